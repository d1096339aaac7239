from retrypolicy.backoff import backoff_delays, total_wait


def test_one_delay_per_retry_starting_at_base():
    assert backoff_delays(3, base=0.5) == [0.5, 1.0, 2.0]


def test_total_wait():
    assert total_wait(4) == 15.0
