from people.names import initials


def test_extra_spaces_are_ignored():
    assert initials("  Alan   Turing ") == "AT"


def test_tab_between_names():
    assert initials("grace\thopper") == "GH"
