import pytest

from timesheet.invoice import invoice_lines
from timesheet.settings import load_settings


def test_project_totals_round_up_to_a_quarter_hour():
    settings = load_settings("hourly_rate = 80\nround_up_to = 15  # quarter hours\n")
    assert invoice_lines([("acme", 50), ("globex", 30), ("acme", 22)], settings) == [
        "acme: 1.25 h  100.00 EUR",
        "globex: 0.50 h  40.00 EUR",
        "total: 140.00 EUR",
    ]


def test_rounding_is_per_project_not_per_entry():
    settings = load_settings("hourly_rate = 60\nround_up_to = 15")
    assert invoice_lines([("acme", 5), ("acme", 5), ("acme", 5), ("globex", 46)], settings) == [
        "acme: 0.25 h  15.00 EUR",
        "globex: 1.00 h  60.00 EUR",
        "total: 75.00 EUR",
    ]


def test_six_minute_steps():
    settings = load_settings("round_up_to = 6\nhourly_rate = 100\ncurrency = GBP")
    assert invoice_lines([("x", 61)], settings) == ["x: 1.10 h  110.00 GBP", "total: 110.00 GBP"]


def test_zero_means_no_rounding():
    settings = load_settings("hourly_rate = 60\nround_up_to = 0")
    assert invoice_lines([("acme", 7)], settings) == ["acme: 0.12 h  7.00 EUR", "total: 7.00 EUR"]
