from datetime import datetime

from calendar_app.agenda import upcoming
from calendar_app.store import new_event


def test_new_event():
    assert new_event("standup", datetime(2024, 5, 1, 9))["title"] == "standup"


def test_empty_agenda():
    assert upcoming([], datetime(2024, 5, 1)) == []
