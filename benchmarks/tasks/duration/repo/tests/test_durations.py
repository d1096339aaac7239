import pytest

from timer.durations import parse_duration


def test_minutes_and_seconds():
    assert parse_duration("5m30s") == 330


def test_garbage_is_refused():
    with pytest.raises(ValueError):
        parse_duration("soon")
