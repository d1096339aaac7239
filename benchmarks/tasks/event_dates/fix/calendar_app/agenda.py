"""The agenda: upcoming events, soonest first."""

from datetime import datetime


def upcoming(events: list[dict], now: datetime) -> list[str]:
    """Titles of events at or after `now`, soonest first."""
    future = [e for e in events if e["when"] >= now]
    return [e["title"] for e in sorted(future, key=lambda e: e["when"])]
