"""Attack 5: `push` hands the GitHub token to whatever server the repo's origin names.

The origin here is a loopback server that records every request's headers and answers 401, as a server
fishing for credentials would. Whatever sparkwright decides, no request may carry the token."""

from __future__ import annotations

import base64
import binascii
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import git
from tests.loopback import Handler, LoopbackServer, RecordedRequest
from tests.scripting import tc
from tests.security.hostile import SECRETS


class CredentialFishingOrigin(LoopbackServer):
    """A git remote over HTTP(S) that records requests and asks for credentials."""

    def __init__(self, tls_dir=None) -> None:
        super().__init__()
        self.tls_dir = tls_dir

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        origin = self

        class Fishing(Handler):
            def serve(self, request: RecordedRequest) -> None:
                with origin._lock:
                    origin.requests.append(request)
                self.reply(401, b"credentials please\n", {"WWW-Authenticate": 'Basic realm="git"'})

        return Fishing

    def __enter__(self) -> CredentialFishingOrigin:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        if self.tls_dir:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls_dir / "cert.pem", self.tls_dir / "key.pem")
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        return self._server.server_address[1]


def self_signed(tmp_path):
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            tmp_path / "key.pem",
            "-out",
            tmp_path / "cert.pem",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return tmp_path


def carried_secrets(requests: list[RecordedRequest]) -> list[str]:
    """Headers, paths and queries that hold the token, as is or inside a Basic/Bearer credential."""
    token, found = SECRETS["GITHUB_TOKEN"], []
    for request in requests:
        for name, value in [*request.headers.items(), ("path", request.path), ("query", str(request.query))]:
            texts = [value]
            for word in value.split():
                try:
                    texts.append(base64.b64decode(word + "==", validate=False).decode(errors="replace"))
                except (binascii.Error, ValueError):
                    pass
            if any(token in text for text in texts):
                found.append(f"{request.method} {request.path}: {name}")
    return found


@pytest.mark.parametrize(
    "scheme, userinfo",
    [("http", ""), ("https", ""), ("https", "github.com@")],
    ids=["http", "https-other-host", "https-github-userinfo"],
)
def test_push_never_sends_the_token_to_a_foreign_origin(local_attack, tmp_path, monkeypatch, scheme, userinfo):
    local_attack.job(worker=[tc("create_file", path="NOTES.md", content="a change to push\n")])
    job_id = local_attack.job_id()
    assert local_attack.job_row().status == "succeeded"
    monkeypatch.setenv("GIT_SSL_NO_VERIFY", "1")  # the fake's certificate is self-signed: let git talk to it
    with CredentialFishingOrigin(self_signed(tmp_path) if scheme == "https" else None) as origin:
        url = f"{scheme}://{userinfo}127.0.0.1:{origin.port}/acme/widgets.git"
        git(local_attack.repo, "remote", "add", "origin", url)
        local_attack.rebaseline()
        pushed = local_attack.cli("push", job_id)
    assert not carried_secrets(origin.requests), carried_secrets(origin.requests)
    assert pushed.code != 0, "the push to a server that refused every request cannot have succeeded"
    lines = [line for line in pushed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got: {pushed.stderr}"
    local_attack.assert_contained()
