"""Durations written like '90s', '5m' or '1h30m'."""

import re

UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> int:
    """The duration in seconds."""
    parts = re.findall(r"(\d+)([a-z])", text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != text.strip().lower():
        raise ValueError(f"not a duration: {text!r}")
    return sum(int(n) * UNITS[u] for n, u in parts)
