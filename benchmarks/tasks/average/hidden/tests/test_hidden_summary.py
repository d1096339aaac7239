from metrics.summary import mean, summary


def test_mean_of_nothing_is_none():
    assert mean([]) is None


def test_summary_of_a_quiet_hour():
    assert summary([]) == {"mean": None, "max": None}
