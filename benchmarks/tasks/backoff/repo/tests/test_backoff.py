from retrypolicy.backoff import backoff_delays


def test_no_retries_no_delays():
    assert backoff_delays(0) == []


def test_delays_never_exceed_cap():
    assert max(backoff_delays(12, base=1.0, cap=30.0)) == 30.0
