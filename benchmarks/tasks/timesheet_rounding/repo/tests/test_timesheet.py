import pytest

from timesheet.invoice import invoice_lines
from timesheet.settings import Settings, load_settings


def test_load_settings():
    assert load_settings("hourly_rate = 80  # since May\n\ncurrency = GBP\n") == Settings(80.0, "GBP")


def test_unknown_setting():
    with pytest.raises(ValueError, match="unknown setting: rate"):
        load_settings("rate = 80")


def test_invoice():
    settings = load_settings("hourly_rate = 60")
    assert invoice_lines([("acme", 50), ("globex", 30), ("acme", 40)], settings) == [
        "acme: 1.50 h  90.00 EUR",
        "globex: 0.50 h  30.00 EUR",
        "total: 120.00 EUR",
    ]
