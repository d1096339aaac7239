"""Scrubbing secrets from text that came from elsewhere (git's stderr, an API's error, a PR body)."""

from __future__ import annotations

import re

_TOKEN_PATTERN = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b")


def redact(text: str, *secrets: str | None) -> str:
    """`text` with the given secrets, and anything shaped like a GitHub token, replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _TOKEN_PATTERN.sub("***", text)
