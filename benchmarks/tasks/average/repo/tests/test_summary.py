from metrics.summary import mean, summary


def test_mean():
    assert mean([1.0, 2.0, 3.0]) == 2.0


def test_summary():
    assert summary([4.0, 2.0]) == {"mean": 3.0, "max": 4.0}
