from tally.counts import merge_all, merge_counts


def test_shared_key_adds_up():
    assert merge_counts({"apple": 2, "pear": 1}, {"apple": 3}) == {"apple": 5, "pear": 1}


def test_merge_all_sums():
    assert merge_all([{"x": 1}, {"x": 1}, {"x": 1, "y": 4}]) == {"x": 3, "y": 4}
