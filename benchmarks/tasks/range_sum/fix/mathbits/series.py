"""Small helpers over integer ranges."""


def sum_inclusive(start: int, end: int) -> int:
    """Sum of every integer from start to end, both included."""
    if end < start:
        return 0
    return sum(range(start, end + 1))


def count_inclusive(start: int, end: int) -> int:
    return max(0, end - start + 1)
