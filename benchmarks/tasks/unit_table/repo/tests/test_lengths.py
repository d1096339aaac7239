from convert.lengths import convert, to_cm


def test_metres():
    assert to_cm(1.5, "m") == 150.0


def test_feet_to_metres():
    assert convert(10, "foot", "m") == 3.048
