from decimal import Decimal

from ledger.amounts import parse_amount, total


def test_thousands_separator():
    assert parse_amount("1,234.50") == Decimal("1234.50")


def test_total_with_large_amounts():
    assert total(["1,000,000.00", "-250.00"]) == Decimal("999750.00")
