from warehouse.alerts import needs_reorder, reorder_list


def test_exactly_at_level_needs_reorder():
    assert needs_reorder(5, 5)


def test_out_of_stock_item_without_level():
    assert reorder_list({"tape": 0}, {}) == ["tape"]
