"""Password rules for new accounts."""

MIN_LENGTH = 8


def is_strong(password: str) -> bool:
    """At least MIN_LENGTH characters, with at least one digit and at least one uppercase letter."""
    has_digit = any(c.isdigit() for c in password)
    has_upper = any(c.isupper() for c in password)
    return len(password) >= MIN_LENGTH and (has_digit or has_upper)


def problems(password: str) -> list[str]:
    found = []
    if len(password) < MIN_LENGTH:
        found.append("too short")
    if not any(c.isdigit() for c in password):
        found.append("no digit")
    if not any(c.isupper() for c in password):
        found.append("no uppercase letter")
    return found
