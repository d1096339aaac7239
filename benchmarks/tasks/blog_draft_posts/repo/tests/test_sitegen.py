from datetime import date

import pytest

from sitegen.frontmatter import parse_post
from sitegen.index import index_lines


def post(title: str, day: str, *extra: str) -> str:
    return "\n".join(["---", f"title: {title}", f"date: {day}", *extra, "---", "", "Some text."])


def test_parse_post():
    parsed = parse_post(post("Hello", "2024-03-01"))
    assert (parsed.title, parsed.published, parsed.body) == ("Hello", date(2024, 3, 1), "Some text.")


def test_missing_front_matter():
    with pytest.raises(ValueError):
        parse_post("just text")


def test_index_newest_first():
    assert index_lines([post("Old", "2023-12-24"), post("New", "2024-01-05")]) == [
        "2024-01-05  New",
        "2023-12-24  Old",
    ]
