from decimal import Decimal

from ledger.amounts import parse_amount, total


def test_plain_amount():
    assert parse_amount(" 12.50 ") == Decimal("12.50")


def test_total():
    assert total(["1.00", "-0.25"]) == Decimal("0.75")
