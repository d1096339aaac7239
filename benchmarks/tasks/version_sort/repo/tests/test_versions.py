from releases.versions import latest, sort_versions


def test_simple_order():
    assert sort_versions(["1.2", "1.0", "1.1"]) == ["1.0", "1.1", "1.2"]


def test_latest_of_nothing():
    assert latest([]) is None
