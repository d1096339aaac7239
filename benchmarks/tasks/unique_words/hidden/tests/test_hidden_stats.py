from textstats.stats import unique_words
from textstats.tokens import words


def test_unique_words():
    assert unique_words("The cat saw the cat.") == 3


def test_words_drop_punctuation():
    assert words("Hello, world!") == ["hello", "world"]
