from settings.lookup import effective, get_setting


def test_zero_timeout_is_kept():
    assert get_setting({"timeout": 0}, "timeout") == 0


def test_verbose_can_be_turned_off():
    assert effective({"verbose": False})["verbose"] is False
