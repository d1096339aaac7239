from checkout.discounts import discounted_total


def test_welcome_code_takes_ten_percent_off():
    assert discounted_total(2000, "WELCOME10") == 1800


def test_spring_code():
    assert discounted_total(400, "SPRING25") == 300
