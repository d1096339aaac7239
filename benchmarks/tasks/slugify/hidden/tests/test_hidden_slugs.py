from blog.slugs import post_url, slugify


def test_no_hyphen_at_the_ends():
    assert slugify("Hello, World!") == "hello-world"


def test_post_url():
    assert post_url("  (Draft) Notes ", 2024) == "/2024/draft-notes/"
