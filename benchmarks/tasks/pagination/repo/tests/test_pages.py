import pytest

from pager.pages import page_count, paginate


def test_page_count_rounds_up():
    assert page_count(21, 10) == 3


def test_page_zero_is_refused():
    with pytest.raises(ValueError):
        paginate([1, 2, 3], 0)
