"""A post: a front matter block of `key: value` lines between two `---` lines, then the body."""

from dataclasses import dataclass
from datetime import date


@dataclass
class Post:
    title: str
    published: date
    body: str


def parse_post(text: str) -> Post:
    lines = [line.rstrip() for line in text.splitlines()]
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        raise ValueError("a post starts with a front matter block between --- lines")
    end = lines.index("---", 1)
    meta = {}
    for line in lines[1:end]:
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    body = "\n".join(lines[end + 1 :]).strip()
    return Post(title=meta["title"], published=date.fromisoformat(meta["date"]), body=body)
