"""A tiny shopping cart."""

from shopcart.cart import Cart, Item

__all__ = ["Cart", "Item"]
