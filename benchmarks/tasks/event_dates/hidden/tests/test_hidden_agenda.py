from datetime import datetime

from calendar_app.agenda import upcoming
from calendar_app.store import new_event


def test_upcoming_events_soonest_first():
    events = [
        new_event("retro", datetime(2024, 5, 3)),
        new_event("old", datetime(2024, 4, 1)),
        new_event("standup", datetime(2024, 5, 2)),
    ]
    assert upcoming(events, datetime(2024, 5, 1)) == ["standup", "retro"]


def test_event_right_now_is_upcoming():
    now = datetime(2024, 5, 1, 9)
    assert upcoming([new_event("now", now)], now) == ["now"]
