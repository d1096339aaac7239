import pytest

from numeric.bounds import clamp, clamp_all


def test_reversed_range_raises_value_error():
    with pytest.raises(ValueError):
        clamp(5, 10, 1)


def test_clamp_all_checks_the_range():
    with pytest.raises(ValueError):
        clamp_all([1, 2], 3, 0)


def test_single_point_range_is_fine():
    assert clamp(7, 3, 3) == 3
