"""Settings from a `key = value` file; `#` starts a comment."""

from dataclasses import dataclass


@dataclass
class Settings:
    hourly_rate: float = 0.0
    currency: str = "EUR"
    round_up_to: int = 0
    """Each project's time is billed rounded up to a multiple of this many minutes; 0: not rounded."""


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
        elif key == "round_up_to":
            settings.round_up_to = int(value)
            if settings.round_up_to < 0:
                raise ValueError(f"round_up_to must be 0 or more minutes, not {value}")
        else:
            raise ValueError(f"unknown setting: {key}")
    return settings
