from settings.lookup import effective, get_setting


def test_default_when_missing():
    assert get_setting({}, "timeout") == 30


def test_configured_value_wins():
    assert get_setting({"retries": 5}, "retries") == 5


def test_effective_has_every_key():
    assert set(effective({})) == {"timeout", "retries", "verbose"}
