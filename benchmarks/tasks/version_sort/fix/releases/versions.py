"""Release versions like '1.10.2', compared number by number."""


def sort_versions(versions: list[str]) -> list[str]:
    """Oldest first."""
    return sorted(versions, key=lambda v: [int(p) for p in v.split(".")])


def latest(versions: list[str]) -> str | None:
    ordered = sort_versions(versions)
    return ordered[-1] if ordered else None
