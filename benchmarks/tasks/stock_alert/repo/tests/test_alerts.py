from warehouse.alerts import needs_reorder, reorder_list


def test_plenty_in_stock():
    assert not needs_reorder(50, 10)


def test_reorder_list_is_sorted():
    assert reorder_list({"nails": 1, "bolts": 2, "glue": 90}, {"nails": 5, "bolts": 5}) == ["bolts", "nails"]
