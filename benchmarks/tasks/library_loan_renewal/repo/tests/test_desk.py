from datetime import date

import pytest

from library.desk import Desk


def test_lend_and_return_on_time():
    desk = Desk()
    loan = desk.lend("978-0141439518", "m42", date(2024, 3, 1))
    assert loan.due == date(2024, 3, 22)
    assert desk.give_back("978-0141439518", date(2024, 3, 22)) == 0
    assert desk.loans == {}


def test_late_return_is_fined():
    desk = Desk()
    desk.lend("978-0141439518", "m42", date(2024, 3, 1))
    assert desk.give_back("978-0141439518", date(2024, 3, 25)) == 60


def test_a_book_lent_out_cannot_be_lent_again():
    desk = Desk()
    desk.lend("978-0141439518", "m42", date(2024, 3, 1))
    with pytest.raises(ValueError):
        desk.lend("978-0141439518", "m7", date(2024, 3, 2))
