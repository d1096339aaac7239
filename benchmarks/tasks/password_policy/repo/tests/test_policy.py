from accounts.policy import is_strong, problems


def test_good_password():
    assert is_strong("Tr0ub4dor")


def test_short_password():
    assert not is_strong("Ab1")


def test_problems_lists_everything():
    assert problems("abc") == ["too short", "no digit", "no uppercase letter"]
