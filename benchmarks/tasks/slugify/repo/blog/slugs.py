"""URL slugs for post titles: lower case words joined by single hyphens."""

import re


def slugify(title: str) -> str:
    """'Hello, World!' -> 'hello-world'."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower())


def post_url(title: str, year: int) -> str:
    return f"/{year}/{slugify(title)}/"
