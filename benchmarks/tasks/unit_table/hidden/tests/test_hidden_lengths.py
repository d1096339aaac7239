from convert.lengths import convert, to_cm


def test_inches():
    assert to_cm(10, "inch") == 25.4


def test_foot_is_twelve_inches():
    assert convert(1, "foot", "inch") == 12.0
