"""Settings from a `key = value` file; `#` starts a comment."""

from dataclasses import dataclass


@dataclass
class Settings:
    hourly_rate: float = 0.0
    currency: str = "EUR"


def load_settings(text: str) -> Settings:
    settings = Settings()
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, value = (part.strip() for part in line.partition("="))
        if key == "hourly_rate":
            settings.hourly_rate = float(value)
        elif key == "currency":
            settings.currency = value
        else:
            raise ValueError(f"unknown setting: {key}")
    return settings
