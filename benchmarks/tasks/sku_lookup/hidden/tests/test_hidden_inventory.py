from stockroom.inventory import Inventory


def test_lookup_ignores_case():
    inv = Inventory()
    inv.add("AB-12", 3)
    inv.add("ab-12", 2)
    assert inv.quantity("ab-12") == 5


def test_lookup_ignores_surrounding_spaces():
    inv = Inventory()
    inv.add("cd-9", 4)
    assert inv.quantity(" Cd-9 ") == 4
