"""The blog's index page: one line per post, newest first."""

from sitegen.frontmatter import parse_post


def index_lines(sources: list[str], drafts: bool = False) -> list[str]:
    """Drafts are left out, unless `drafts` (a local preview), where they are marked."""
    posts = [parse_post(text) for text in sources]
    posts = sorted((p for p in posts if drafts or not p.draft), key=lambda post: post.published, reverse=True)
    return [f"{post.published.isoformat()}  {post.title}{' (draft)' if post.draft else ''}" for post in posts]
