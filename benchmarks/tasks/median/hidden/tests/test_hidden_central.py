from stats.central import median


def test_two_values():
    assert median([10, 20]) == 15


def test_unsorted_even():
    assert median([9, 1, 7, 3, 5, 11]) == 6
