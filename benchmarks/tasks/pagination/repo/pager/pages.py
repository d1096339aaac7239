"""Split a list of results into numbered pages (page 1 is the first page)."""


def page_count(total: int, per_page: int) -> int:
    return (total + per_page - 1) // per_page


def paginate(items: list, page: int, per_page: int = 10) -> list:
    """The items on `page`, counting pages from 1."""
    if page < 1:
        raise ValueError("pages start at 1")
    start = page * per_page
    return items[start : start + per_page]
