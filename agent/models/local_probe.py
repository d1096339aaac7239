"""A local OpenAI-compatible server (Ollama, llama.cpp) found when no model is configured, to say how to use it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

PROBE_SECONDS = 0.3
KNOWN_PORTS = {11434: "Ollama", 8080: "llama.cpp"}
# The ids come from whatever answers on the port: only plain ones are ever printed as settings to paste.
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}")


@dataclass(frozen=True)
class LocalServer:
    base_url: str
    model: str

    def hint(self) -> str:
        """One line: what answers and the exact settings that use it for both tiers."""
        kind = KNOWN_PORTS.get(urlsplit(self.base_url).port or 0, "OpenAI-compatible")
        spec = f"openai-compatible:{self.model}"
        return (
            f"a local {kind} model server answers at {self.base_url} with {self.model}: to use it, export "
            f"SPARKWRIGHT_DEEP_MODEL={spec} SPARKWRIGHT_FAST_MODEL={spec} SPARKWRIGHT_BASE_URL={self.base_url}"
        )


def find_local_server(base_urls: Sequence[str], timeout: float = PROBE_SECONDS) -> LocalServer | None:
    """The first of `base_urls` whose /models answers with a model, or None; never raises."""
    for base_url in base_urls:
        if model := _first_model(base_url.rstrip("/"), timeout):
            return LocalServer(base_url.rstrip("/"), model)
    return None


def _first_model(base_url: str, timeout: float) -> str | None:
    try:
        # Straight to the server: a proxy from the environment has no business with a loopback probe.
        body = httpx.get(f"{base_url}/models", timeout=timeout, trust_env=False).raise_for_status().json()
        ids = [m.get("id") for m in body.get("data", []) if isinstance(m, dict)]
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, AttributeError, TypeError):
        return None
    return next((i for i in ids if isinstance(i, str) and _SAFE_ID.fullmatch(i)), None)
