import pytest

from shopcart import Cart


def test_single_item_total():
    cart = Cart()
    cart.add("apple", 120)
    assert cart.total_cents() == 120


def test_quantity_counts_in_subtotal():
    cart = Cart()
    cart.add("apple", 120, quantity=3)
    cart.add("pear", 80)
    assert cart.subtotal_cents() == 440


def test_discount_applies_to_all_units():
    cart = Cart(discount_percent=10)
    cart.add("apple", 100, quantity=2)
    assert cart.total_cents() == 180


def test_rejects_zero_quantity():
    with pytest.raises(ValueError):
        Cart().add("apple", 100, quantity=0)
