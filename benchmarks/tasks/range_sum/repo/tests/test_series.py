from mathbits.series import count_inclusive, sum_inclusive


def test_count_inclusive():
    assert count_inclusive(1, 10) == 10


def test_empty_range_sums_to_zero():
    assert sum_inclusive(5, 4) == 0


def test_sum_inclusive_includes_end():
    assert sum_inclusive(1, 10) == 55
