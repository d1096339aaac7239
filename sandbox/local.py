"""Runs commands on the host, in the job's worktree. Not isolated: for when Docker is absent.

Commands go to the same small command server the Docker sandbox uses, started as a host process
with an environment built from an allow list: a command finds no API key or token in its own
environment nor in its parent's. sparkwright's own process is made non-dumpable, so a command
running as the same (non-root) user cannot read its environment or memory through /proc either.
"""

from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from sandbox.base import DEFAULT_OUTPUT_LIMIT, CommandResult, SandboxSetupError
from sandbox.cmdclient import BOOTSTRAP, CommandServerError, command_result, lost_result
from sandbox.cmdserver import descendants
from sandbox.confined import read_text, write_text

PASSED_ENV = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR", "VIRTUAL_ENV")
"""Host variables commands see; `LC_*` too. Anything else only when named in `pass_env`."""
SERVER_GRACE = 15.0
START_TIMEOUT = 30.0
PR_SET_DUMPABLE = 4


def allowed_env(env: Mapping[str, str], extra: Iterable[str] = ()) -> dict[str, str]:
    """The variables a command may see: the allow list, `LC_*`, and the names in `extra`."""
    names = set(PASSED_ENV) | set(extra)
    kept = {k: v for k, v in env.items() if k in names or k.startswith("LC_")}
    # A job on the host never installs into the user's own Python or home: pip installs only into a virtualenv.
    return kept | {"PYTHONDONTWRITEBYTECODE": "1", "PIP_REQUIRE_VIRTUALENV": "1"}


class LocalSandbox:
    """A `Sandbox` whose commands run as host processes in `workspace`."""

    def __init__(
        self,
        workspace: Path,
        output_limit: int = DEFAULT_OUTPUT_LIMIT,
        pass_env: Iterable[str] = (),
        setup_command: str | None = None,
        setup_timeout: float = 1200.0,
    ) -> None:
        self.workspace = Path(workspace).resolve()
        self.output_limit = output_limit
        self._env = allowed_env(os.environ, pass_env)
        self._setup = (setup_command, setup_timeout) if setup_command else None
        self.setup_result: CommandResult | None = None
        """The setup command's result, once the first command ran it."""
        self._server: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def run(self, command: str, timeout: float) -> CommandResult:
        if self._setup:
            self._run_setup(*self._setup)
        return self._run(command, timeout)

    def _run_setup(self, command: str, timeout: float) -> None:
        result = self._run(command, timeout)
        self.setup_result = result
        if not result.ok:
            raise SandboxSetupError.of(command, result)
        self._setup = None

    def _run(self, command: str, timeout: float) -> CommandResult:
        request = {
            "command": command,
            "timeout": timeout,
            "limit": self.output_limit,
            "cwd": str(self.workspace),
            "sweep": "descendants",
        }
        started = time.perf_counter()
        with self._lock:
            try:
                reply = self._request(request, timeout + SERVER_GRACE)
            except CommandServerError as exc:
                self._stop_server()
                return lost_result(exc, time.perf_counter() - started, timeout)
        return command_result(reply, time.perf_counter() - started)

    def read_file(self, path: str) -> str:
        return read_text(self.workspace, path)

    def write_file(self, path: str, content: str) -> None:
        write_text(self.workspace, path, content)

    def close(self) -> None:
        with self._lock:
            self._stop_server()

    def __enter__(self) -> LocalSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        server = self._server or self._start_server()
        data = json.dumps(message).encode()
        try:
            _send(server, struct.pack(">I", len(data)) + data)
        except OSError as exc:
            raise CommandServerError(f"the command server is gone ({exc})") from None
        return _read_frame(server, time.monotonic() + timeout)

    def _start_server(self) -> subprocess.Popen[bytes]:
        _hide_own_memory()
        source = (Path(__file__).parent / "cmdserver.py").read_bytes()
        self._server = server = subprocess.Popen(
            [sys.executable, "-c", BOOTSTRAP],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self._env,
            cwd=self.workspace,
            start_new_session=True,
        )
        _send(server, b"%d\n" % len(source) + source)
        _read_frame(server, time.monotonic() + START_TIMEOUT)
        return server

    def _stop_server(self) -> None:
        if self._server is None:
            return
        server, self._server = self._server, None
        left = descendants(server.pid)  # a hung command's processes, still below the server
        server.kill()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        server.wait()
        for stream in (server.stdin, server.stdout):
            _pipe(stream).close()


def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
    assert stream is not None, "the command server's stdin and stdout are pipes"
    return stream


def _send(server: subprocess.Popen[bytes], data: bytes) -> None:
    stdin = _pipe(server.stdin)
    stdin.write(data)
    stdin.flush()


def _read_frame(server: subprocess.Popen[bytes], deadline: float) -> dict[str, Any]:
    (size,) = struct.unpack(">I", _read(server, 4, deadline))
    message: dict[str, Any] = json.loads(_read(server, size, deadline))
    return message


def _read(server: subprocess.Popen[bytes], size: int, deadline: float) -> bytes:
    fd, data = _pipe(server.stdout).fileno(), b""
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise CommandServerError("the command server did not answer in time")
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise CommandServerError("the command server exited")
        data += chunk
    return data


def _hide_own_memory() -> None:
    """Make sparkwright's process non-dumpable: its /proc files (environ, mem) become root's."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
