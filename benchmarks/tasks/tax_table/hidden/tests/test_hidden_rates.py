from taxes.rates import load_rates, tax_cents


def test_rates_load():
    assert load_rates() == {"CA": 0.0725, "NY": 0.04, "TX": 0.0625}


def test_tax_in_texas():
    assert tax_cents(10000, "TX") == 625
