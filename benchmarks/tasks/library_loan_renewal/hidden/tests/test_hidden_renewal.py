from datetime import date

import pytest

from library.desk import Desk

BOOK = "978-0141439518"


def test_new_loan_has_no_renewals():
    assert Desk().lend(BOOK, "m42", date(2024, 3, 1)).renewals == 0


def test_renewal_is_due_three_weeks_from_the_renewal_day():
    desk = Desk()
    desk.lend(BOOK, "m42", date(2024, 3, 1))
    loan = desk.renew(BOOK, date(2024, 3, 20))
    assert (loan.due, loan.renewals) == (date(2024, 4, 10), 1)
    assert desk.loans[BOOK].due == date(2024, 4, 10)
    assert desk.give_back(BOOK, date(2024, 4, 10)) == 0


def test_renewing_on_the_due_date_is_fine():
    desk = Desk()
    desk.lend(BOOK, "m42", date(2024, 3, 1))
    assert desk.renew(BOOK, date(2024, 3, 22)).due == date(2024, 4, 12)


def test_third_renewal_is_refused():
    desk = Desk()
    desk.lend(BOOK, "m42", date(2024, 3, 1))
    desk.renew(BOOK, date(2024, 3, 10))
    desk.renew(BOOK, date(2024, 3, 20))
    with pytest.raises(ValueError):
        desk.renew(BOOK, date(2024, 3, 30))
    assert (desk.loans[BOOK].due, desk.loans[BOOK].renewals) == (date(2024, 4, 10), 2)


def test_overdue_loan_cannot_be_renewed():
    desk = Desk()
    desk.lend(BOOK, "m42", date(2024, 3, 1))
    with pytest.raises(ValueError):
        desk.renew(BOOK, date(2024, 3, 23))
    assert desk.give_back(BOOK, date(2024, 3, 23)) == 20
