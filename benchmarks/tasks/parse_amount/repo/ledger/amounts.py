"""Amounts as they appear in bank exports: '1234.50', '-12.00', '1,234.50'."""

from decimal import Decimal


def parse_amount(text: str) -> Decimal:
    """The amount as a Decimal; thousands separators are allowed."""
    return Decimal(text.strip())


def total(lines: list[str]) -> Decimal:
    return sum((parse_amount(line) for line in lines), Decimal("0"))
