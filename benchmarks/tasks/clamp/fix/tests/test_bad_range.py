import pytest

from numeric.bounds import clamp


def test_reversed_range_is_refused():
    with pytest.raises(ValueError):
        clamp(5, 10, 1)
