"""A real HTTP server on 127.0.0.1, on a free port, for the fakes that stand in for remote services."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    """Header names in lower case."""
    json: Any = None
    query: dict[str, list[str]] = field(default_factory=dict)
    at: float = field(default_factory=time.time)
    """When it arrived (the epoch's seconds)."""


class LoopbackServer:
    """Serves `handler_class()` while used as a context manager; subclasses record into `requests`."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def __enter__(self) -> Any:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server and self._thread
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server, "use the fake as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    """Base of the fakes' handlers: GET and POST go to `serve`, requests are parsed, logs stay quiet."""

    def do_GET(self) -> None:
        self.serve(self.read_request())

    def do_POST(self) -> None:
        self.serve(self.read_request())

    def serve(self, request: RecordedRequest) -> None:
        raise NotImplementedError

    def read_request(self) -> RecordedRequest:
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        return RecordedRequest(self.command, url.path, headers, json.loads(raw) if raw else None, parse_qs(url.query))

    def reply(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
