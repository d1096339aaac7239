from timer.durations import parse_duration


def test_hours_and_minutes():
    assert parse_duration("1h30m") == 5400


def test_upper_case_hours():
    assert parse_duration("2H") == 7200
