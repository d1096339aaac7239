"""What keeps the web app to its user: the Host check (no DNS rebinding onto loopback), the token off
loopback, the cross-site request check on every POST and the headers that keep pages inert."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

AUTH_COOKIE = "sparkwright_auth"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
MAX_FORM_BYTES = 256 * 1024
OPEN_PATHS = ("/login", "/static/")
HEADERS = [
    # Inline scripts, inline handlers (onerror=) and foreign scripts never run, even if text slipped through.
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # "no-referrer" would make form posts send `Origin: null`
    (b"x-frame-options", b"DENY"),
]


class Refused(Exception):
    """A request the guard turns away; the message is the page's text."""


@dataclass
class Guard:
    token: str | None
    """The token the page asks for; none on loopback, where the user's own machine is the boundary."""
    loopback_only: bool
    """Bound to loopback: only requests naming a loopback host are served."""
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    """Put in every form; a page of another site cannot read it."""

    def host_allowed(self, host: str) -> bool:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return not self.loopback_only or name in LOOPBACK_NAMES

    def cookie_value(self) -> str:
        assert self.token is not None
        return hmac.new(self.secret, self.token.encode(), hashlib.sha256).hexdigest()

    def signed_in(self, cookies: dict[str, str]) -> bool:
        return self.token is None or hmac.compare_digest(cookies.get(AUTH_COOKIE, ""), self.cookie_value())

    def token_matches(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def sign_in(self, response: Response) -> None:
        response.set_cookie(AUTH_COOKIE, self.cookie_value(), httponly=True, samesite="strict")

    async def form(self, request: Request) -> dict[str, list[str]]:
        """The POSTed form, once it proved it comes from one of our pages: same origin and our CSRF token."""
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
            raise Refused("cross-site request refused")
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise Refused("form too large")
        fields: dict[str, list[str]] = {}
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            fields.setdefault(key, []).append(value)
        if not hmac.compare_digest(first(fields, "csrf").encode(), self.csrf.encode()):
            raise Refused("this form is stale or from another site: reload the page and try again")
        return fields


def first(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0]


class GuardMiddleware:
    """Every request: a loopback Host when bound to loopback, the token cookie off loopback, safe headers."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app, self.guard = app, guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)

    def _refusal(self, request: Request) -> Any:
        if not self.guard.host_allowed(Headers(scope=request.scope).get("host", "")):
            return PlainTextResponse("unknown host: open the address sparkwright serve printed", status_code=421)
        path = request.url.path
        if not self.guard.signed_in(request.cookies) and not path.startswith(OPEN_PATHS):
            if request.method == "GET":
                return RedirectResponse("/login", status_code=303)
            return PlainTextResponse("sign in first", status_code=401)
        return None
