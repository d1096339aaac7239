from releases.versions import latest, sort_versions


def test_numbers_not_text():
    assert sort_versions(["1.10.0", "1.9.3", "1.2.0"]) == ["1.2.0", "1.9.3", "1.10.0"]


def test_latest_major():
    assert latest(["9.0", "10.0", "2.1"]) == "10.0"


def test_two_oh_after_one_ten():
    assert sort_versions(["2.0", "1.10", "1.9"]) == ["1.9", "1.10", "2.0"]
    assert latest(["1.10", "2.0"]) == "2.0"
