from blog.slugs import slugify


def test_spaces_become_hyphens():
    assert slugify("My First Post") == "my-first-post"


def test_runs_of_symbols_collapse():
    assert slugify("a  &  b") == "a-b"
