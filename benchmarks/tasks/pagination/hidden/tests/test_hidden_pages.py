from pager.pages import paginate


def test_first_page_starts_with_first_item():
    assert paginate(list(range(25)), 1, 10) == list(range(10))


def test_last_page_is_partial():
    assert paginate(list(range(25)), 3, 10) == [20, 21, 22, 23, 24]
