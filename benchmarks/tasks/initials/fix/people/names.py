"""Display helpers for people's names."""


def initials(full_name: str) -> str:
    """'Ada Lovelace' -> 'AL'."""
    return "".join(part[0].upper() for part in full_name.split())


def short_name(full_name: str) -> str:
    first, *rest = full_name.split()
    return f"{first} {rest[-1][0]}." if rest else first
