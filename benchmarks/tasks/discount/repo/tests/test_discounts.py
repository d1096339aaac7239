from checkout.discounts import discounted_total


def test_no_code():
    assert discounted_total(1000, None) == 1000


def test_unknown_code_changes_nothing():
    assert discounted_total(1000, "BOGUS") == 1000
