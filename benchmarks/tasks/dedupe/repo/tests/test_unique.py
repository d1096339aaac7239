from listutil.unique import dedupe


def test_dedupe_keeps_first_occurrence_order():
    assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]
