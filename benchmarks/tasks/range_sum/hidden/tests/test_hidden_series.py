from mathbits.series import sum_inclusive


def test_single_number_range():
    assert sum_inclusive(7, 7) == 7


def test_negative_range():
    assert sum_inclusive(-2, 2) == 0
    assert sum_inclusive(-3, -1) == -6
