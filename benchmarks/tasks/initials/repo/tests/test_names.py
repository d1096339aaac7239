from people.names import initials, short_name


def test_initials():
    assert initials("Ada Lovelace") == "AL"


def test_short_name():
    assert short_name("Grace Brewster Hopper") == "Grace H."
