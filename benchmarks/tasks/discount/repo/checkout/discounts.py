"""Discount codes applied to an order total, in cents."""

CODES = {"WELCOME10": 10, "SPRING25": 25}


def discounted_total(total_cents: int, code: str | None) -> int:
    """The total after the code's percentage discount; unknown or no code changes nothing."""
    percent = CODES.get(code or "", 0)
    return total_cents + total_cents * percent // 100
