"""The blog's index page: one line per post, newest first."""

from sitegen.frontmatter import parse_post


def index_lines(sources: list[str]) -> list[str]:
    posts = sorted((parse_post(text) for text in sources), key=lambda post: post.published, reverse=True)
    return [f"{post.published.isoformat()}  {post.title}" for post in posts]
