"""Counting things across several sources."""


def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """Combined counts: a key in both gets the sum of its two counts."""
    merged = dict(a)
    for key, count in b.items():
        merged[key] = merged.get(key, 0) + count
    return merged


def merge_all(parts: list[dict[str, int]]) -> dict[str, int]:
    result: dict[str, int] = {}
    for part in parts:
        result = merge_counts(result, part)
    return result
