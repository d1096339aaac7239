"""Summaries of response times for the status page."""


def mean(values: list[float]) -> float | None:
    """The arithmetic mean, or None when there are no values."""
    return sum(values) / len(values)


def summary(values: list[float]) -> dict[str, float | None]:
    return {"mean": mean(values), "max": max(values, default=None)}
