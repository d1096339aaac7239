from receipts.money import format_money, receipt_line


def test_negative_amount():
    assert format_money(-5) == "-$0.05"


def test_receipt_line_is_aligned():
    assert receipt_line("Coffee", 250) == "Coffee" + " " * 14 + "     $2.50"
