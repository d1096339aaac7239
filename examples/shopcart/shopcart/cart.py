"""Cart arithmetic. Prices are in cents to keep money exact."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    sku: str
    price_cents: int
    quantity: int = 1


@dataclass
class Cart:
    items: list[Item] = field(default_factory=list)
    discount_percent: int = 0

    def add(self, sku: str, price_cents: int, quantity: int = 1) -> None:
        if quantity < 1:
            raise ValueError("quantity must be at least 1")
        self.items.append(Item(sku, price_cents, quantity))

    def subtotal_cents(self) -> int:
        return sum(item.price_cents for item in self.items)

    def total_cents(self) -> int:
        subtotal = self.subtotal_cents()
        return subtotal - subtotal * self.discount_percent // 100
