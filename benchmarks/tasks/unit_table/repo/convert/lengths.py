"""Length conversions; the factors (centimetres per unit) live in factors.toml."""

import tomllib
from pathlib import Path

FACTORS = tomllib.loads((Path(__file__).parent / "factors.toml").read_text())["cm_per_unit"]


def to_cm(value: float, unit: str) -> float:
    return round(value * FACTORS[unit], 4)


def convert(value: float, from_unit: str, to_unit: str) -> float:
    return round(to_cm(value, from_unit) / FACTORS[to_unit], 4)
