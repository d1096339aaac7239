"""Which products need reordering."""


def needs_reorder(in_stock: int, reorder_level: int) -> bool:
    """True when stock has fallen to the reorder level or below it."""
    return in_stock <= reorder_level


def reorder_list(stock: dict[str, int], levels: dict[str, int]) -> list[str]:
    return sorted(name for name, qty in stock.items() if needs_reorder(qty, levels.get(name, 0)))
