"""Money on receipts: amounts are integer cents, printed as dollars with two decimals."""


def format_money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:.2f}"


def receipt_line(label: str, cents: int) -> str:
    return f"{label:<20}{format_money(cents):>10}"
