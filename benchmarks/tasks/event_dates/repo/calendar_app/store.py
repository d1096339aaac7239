"""Creating events."""

from datetime import datetime


def new_event(title: str, when: datetime) -> dict:
    return {"title": title, "when": when}
