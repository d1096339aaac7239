from tally.counts import merge_all, merge_counts


def test_disjoint_keys():
    assert merge_counts({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}


def test_merge_nothing():
    assert merge_all([]) == {}
