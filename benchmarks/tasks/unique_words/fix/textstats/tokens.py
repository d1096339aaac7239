"""Splitting text into words."""

import string


def words(text: str) -> list[str]:
    """Lower-case words with surrounding punctuation removed, in order."""
    return [w.strip(string.punctuation).lower() for w in text.split() if w.strip(string.punctuation)]
