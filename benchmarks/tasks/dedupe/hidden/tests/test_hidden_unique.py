from listutil.unique import dedupe, normalise_tags


def test_long_list_order():
    items = [str(i % 50) for i in range(200, 0, -1)]
    assert dedupe(items) == [str(i % 50) for i in range(200, 150, -1)]


def test_normalise_tags_keeps_order():
    assert normalise_tags(["Zig", " Python", "rust", "python ", "", "Go", "c", "Ada"]) == [
        "zig",
        "python",
        "rust",
        "go",
        "c",
        "ada",
    ]
