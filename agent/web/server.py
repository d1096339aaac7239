"""Starting the web app: the address, the token off loopback, and uvicorn."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

import uvicorn
from rich.console import Console

from agent import heap
from agent.config import Settings
from agent.web.app import build_app
from agent.web.guard import Guard

err = Console(stderr=True)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_web(settings: Settings, host: str, port: int, token: str | None, config: Path | None) -> None:
    """Serve until Ctrl-C. Off loopback every page asks for a token: the one given, or one made up here."""
    loopback = is_loopback(host)
    if not loopback and not token:
        token = secrets.token_urlsafe(24)
        err.print(f"token (the page asks for it): {token}", highlight=False)
    guard = Guard(token=token, loopback_only=loopback)
    app = build_app(settings, guard, config)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    err.print(f"sparkwright serve: http://{shown}:{port}/ (Ctrl-C to stop)", highlight=False)
    heap.settle()
    # Live pages hold their event streams open: a short grace period lets Ctrl-C end the server promptly.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)
