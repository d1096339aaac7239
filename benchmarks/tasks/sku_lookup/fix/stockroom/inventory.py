"""Stock levels by SKU. SKUs are case-insensitive: 'ab-12' and 'AB-12' are the same product."""


class Inventory:
    def __init__(self) -> None:
        self._stock: dict[str, int] = {}

    def add(self, sku: str, quantity: int) -> None:
        key = sku.strip().upper()
        self._stock[key] = self._stock.get(key, 0) + quantity

    def quantity(self, sku: str) -> int:
        return self._stock.get(sku.strip().upper(), 0)

    def skus(self) -> list[str]:
        return sorted(self._stock)
