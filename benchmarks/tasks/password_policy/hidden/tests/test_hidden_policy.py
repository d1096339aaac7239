from accounts.policy import is_strong


def test_needs_an_uppercase_letter():
    assert not is_strong("abcdefgh1")


def test_needs_a_digit():
    assert not is_strong("Abcdefghij")
