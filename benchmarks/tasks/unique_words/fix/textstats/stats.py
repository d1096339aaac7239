"""Statistics over the words of a text."""

from textstats.tokens import words


def word_count(text: str) -> int:
    return len(words(text))


def unique_words(text: str) -> int:
    """How many different words the text uses."""
    return len(set(words(text)))
