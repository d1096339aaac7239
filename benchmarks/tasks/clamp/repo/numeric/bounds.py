"""Keeping numbers inside a range."""


def clamp(value: float, low: float, high: float) -> float:
    """value limited to [low, high]. A range whose low end is above its high end is an error."""
    return max(low, min(value, high))


def clamp_all(values: list[float], low: float, high: float) -> list[float]:
    return [clamp(v, low, high) for v in values]
