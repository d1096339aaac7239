"""Word frequencies, ignoring case and surrounding punctuation."""

import string


def word_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for raw in text.split():
        word = raw.strip(string.punctuation).lower()
        if word:
            counts[word] = counts.get(word, 0) + 1
    return counts


def most_common(text: str) -> str | None:
    counts = word_counts(text)
    return max(counts, key=lambda w: (counts[w], w), default=None)
