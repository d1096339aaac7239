"""The host's end of the command server: one `docker exec -i` stream kept open, and the reply format."""

from __future__ import annotations

import base64
import json
import logging
import socket
import struct
import time
from pathlib import Path
from typing import Any, Protocol

from sandbox.base import CappedOutput, CommandResult, SandboxError

log = logging.getLogger(__name__)

# Reads the server's source from stdin, then runs it on that same stdin: nothing to copy into
# the container and a short line in `ps`.
BOOTSTRAP = (
    "import sys;n=int(sys.stdin.buffer.readline());"
    "exec(compile(sys.stdin.buffer.read(n),'sparkwright-cmdserver','exec'))"
)
STDOUT, STDERR = 1, 2


class CommandServerError(SandboxError):
    """The command server died or stopped answering; a new one can be started."""


def command_result(reply: dict[str, Any], elapsed: float) -> CommandResult:
    """The server's reply to one command as a `CommandResult`."""
    if "error" in reply:
        return CommandResult(127, reply["error"], elapsed)
    head, tail = base64.b64decode(reply["head"]), base64.b64decode(reply["tail"])
    output = CappedOutput.from_parts(head, tail, reply["dropped"])
    return CommandResult(reply["exit_code"], output.text(), reply["duration"], reply["timed_out"])


def lost_result(exc: Exception, elapsed: float, timeout: float) -> CommandResult:
    """What the model is told when the server died under its command (`kill -9 -1`) or hung."""
    note = (
        f"[sandbox: {exc} while this command ran; all its processes were killed and a new "
        "command server will serve the next command]"
    )
    return CommandResult(-1, note, elapsed, timed_out=elapsed >= timeout)


class ExecApi(Protocol):
    """The calls of docker's low-level `APIClient` the channel makes (the SDK itself is untyped)."""

    def exec_create(self, container: str, cmd: list[str], *, stdin: bool, user: str, workdir: str) -> dict[str, Any]:
        """Create an exec instance; its id is under "Id"."""
        ...

    def exec_start(self, exec_id: str, *, socket: bool) -> Any:
        """Start it; with `socket=True`, its attached stream: a socket, or a SocketIO wrapping one."""
        ...


class CommandChannel:
    """A command server running in `container_id` as `user`, reached over an attached exec stream."""

    def __init__(self, api: ExecApi, container_id: str, user: str, workdir: str = "/workspace") -> None:
        self.api = api
        self.container_id = container_id
        self.user = user
        self.workdir = workdir
        self._sock: socket.socket | None = None
        self._keepalive: object = None
        self._frames = bytearray()  # docker's multiplexed stream, not yet split
        self._stdout = bytearray()

    def open(self, timeout: float) -> None:
        """Start the server and wait for its hello."""
        exec_id = self.api.exec_create(
            self.container_id, ["python3", "-c", BOOTSTRAP], stdin=True, user=self.user, workdir=self.workdir
        )["Id"]
        attached = self.api.exec_start(exec_id, socket=True)
        sock: socket.socket = getattr(attached, "_sock", attached)
        self._sock = sock
        self._keepalive = attached  # the SocketIO/response must outlive our use of the raw socket
        source = (Path(__file__).parent / "cmdserver.py").read_bytes()
        sock.sendall(b"%d\n" % len(source) + source)
        self._read_frame(time.monotonic() + timeout)

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request and wait up to `timeout` seconds for its reply."""
        data = json.dumps(message).encode()
        try:
            self._socket().sendall(struct.pack(">I", len(data)) + data)
        except OSError as exc:
            raise CommandServerError(f"the command server is gone ({exc})") from None
        return self._read_frame(time.monotonic() + timeout)

    def close(self) -> None:
        if self._sock is None:
            return
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # the server sees EOF on stdin and exits
        except OSError:
            pass
        self._sock.close()
        self._sock = None

    def _socket(self) -> socket.socket:
        assert self._sock is not None, "open() the channel first"
        return self._sock

    def _read_frame(self, deadline: float) -> dict[str, Any]:
        (size,) = struct.unpack(">I", self._read_stdout(4, deadline))
        message: dict[str, Any] = json.loads(self._read_stdout(size, deadline))
        return message

    def _read_stdout(self, size: int, deadline: float) -> bytes:
        while len(self._stdout) < size:
            self._receive(deadline)
        data = bytes(self._stdout[:size])
        del self._stdout[:size]
        return data

    def _receive(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CommandServerError("the command server did not answer in time")
        sock = self._socket()
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(262144)
        except TimeoutError:
            raise CommandServerError("the command server did not answer in time") from None
        except OSError as exc:
            raise CommandServerError(f"lost the command server's stream ({exc})") from None
        if not chunk:
            raise CommandServerError("the command server exited")
        self._frames += chunk
        self._split_frames()

    def _split_frames(self) -> None:
        # docker multiplexes stdout and stderr: 8-byte header (stream, 0, 0, 0, size) per frame.
        while len(self._frames) >= 8:
            stream, size = self._frames[0], struct.unpack(">I", self._frames[4:8])[0]
            if len(self._frames) < 8 + size:
                return
            payload = bytes(self._frames[8 : 8 + size])
            del self._frames[: 8 + size]
            if stream == STDOUT:
                self._stdout += payload
            else:
                log.warning("sandbox command server: %s", payload.decode(errors="replace").rstrip())
