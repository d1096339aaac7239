"""Sales tax by region, read from rates.csv next to this module."""

import csv
from pathlib import Path

TABLE = Path(__file__).parent / "rates.csv"


def load_rates() -> dict[str, float]:
    with TABLE.open(newline="") as f:
        return {row["region"]: float(row["rate"]) for row in csv.DictReader(f)}


def tax_cents(amount_cents: int, region: str) -> int:
    return round(amount_cents * load_rates()[region])
