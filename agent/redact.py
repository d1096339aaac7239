"""Scrubbing secrets from text that came from elsewhere (git's stderr, an API's error, a PR body)."""

from __future__ import annotations

import os
import re
from typing import Any

_TOKEN_PATTERN = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b")


def redact(text: str, *secrets: str | None) -> str:
    """`text` with the given secrets, and anything shaped like a GitHub token, replaced by ***."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return _TOKEN_PATTERN.sub("***", text)


SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
URL_PASSWORD = re.compile(r"://[^/:@\s]+:([^@\s]+)@")


def host_secrets() -> tuple[str, ...]:
    """This process's secrets: secret-named variables' values and passwords inside URL-valued ones."""
    found = {value for name, value in os.environ.items() if SECRET_NAME.search(name) and len(value) >= 8}
    found |= {m.group(1) for value in os.environ.values() for m in URL_PASSWORD.finditer(value) if len(m.group(1)) >= 4}
    return tuple(sorted(found, key=len, reverse=True))


def scrub(value: Any, secrets: tuple[str, ...] | None = None) -> Any:
    """`value` (text, or JSON-like lists and dicts of it) with every host secret replaced by ***."""
    secrets = host_secrets() if secrets is None else secrets
    if isinstance(value, str):
        return redact(value, *secrets)
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value
