from stockroom.inventory import Inventory


def test_add_and_query():
    inv = Inventory()
    inv.add("AB-12", 3)
    assert inv.quantity("AB-12") == 3


def test_skus_are_stored_upper_case():
    inv = Inventory()
    inv.add("ab-12", 1)
    assert inv.skus() == ["AB-12"]
