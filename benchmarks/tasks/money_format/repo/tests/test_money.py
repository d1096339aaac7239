from receipts.money import format_money


def test_whole_dollars():
    assert format_money(500) == "$5.00"


def test_cents():
    assert format_money(550) == "$5.50"
