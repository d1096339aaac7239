"""Delays between retries: the first retry waits `base` seconds, each later one twice as long."""


def backoff_delays(retries: int, base: float = 1.0, cap: float = 60.0) -> list[float]:
    """One delay per retry, doubling from `base`, never above `cap`."""
    return [min(cap, base * 2**i) for i in range(1, retries)]


def total_wait(retries: int, base: float = 1.0) -> float:
    return sum(backoff_delays(retries, base))
