from sitegen.frontmatter import parse_post
from sitegen.index import index_lines


def post(title: str, day: str, *extra: str) -> str:
    return "\n".join(["---", f"title: {title}", f"date: {day}", *extra, "---", "", "Some text."])


SOURCES = [
    post("Hello", "2024-03-01"),
    post("Next steps", "2024-03-09", "draft: true"),
    post("Notes from the meetup", "2024-03-05", "draft: no"),
    post("Half an idea", "2024-02-11", "Draft: Yes"),
]


def test_drafts_are_left_out_of_the_index():
    assert index_lines(SOURCES) == ["2024-03-05  Notes from the meetup", "2024-03-01  Hello"]


def test_preview_shows_drafts_marked():
    assert index_lines(SOURCES, drafts=True) == [
        "2024-03-09  Next steps (draft)",
        "2024-03-05  Notes from the meetup",
        "2024-03-01  Hello",
        "2024-02-11  Half an idea (draft)",
    ]


def test_post_knows_it_is_a_draft():
    assert parse_post(SOURCES[1]).draft is True
    assert parse_post(SOURCES[0]).draft is False
    assert parse_post(SOURCES[2]).draft is False
