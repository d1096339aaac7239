"""The command server that runs a sandbox's commands, one at a time, in the container or on the host.

In the Docker sandbox the host sends this file's source over the stdin of a single `docker exec -i`
and keeps that stream open, so each command costs one round trip instead of a fresh `docker exec`
(~70 ms). The local sandbox starts it as a host process with a clean environment, so commands
find no secret even in their parent's environment. Standard library only, Python 3.8+: it must
run on whatever python3 the image has.

Frames both ways are a 4-byte big-endian length then UTF-8 JSON. After start it sends
{"ready": true, "pid": ...}; then for each {"command", "timeout", "limit", "cwd"?, "sweep"?} it
answers {"exit_code", "head", "tail", "dropped", "duration", "timed_out"} (head/tail base64), or
{"error": ...} when the command could not be started. Each command gets its own session; the
server is a child subreaper, so whatever a command leaves behind (setsid, daemons) stays its
descendant, and when the command ends or times out every descendant is killed. With sweep
"user" (a container, where only commands run as this user) every other process of the user is
killed as well: nothing outlives its command.
"""

from __future__ import annotations

import base64
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time
from typing import IO, Any

WORKDIR = "/workspace"
DRAIN_SECONDS = 1.0
POLL_SECONDS = 0.02


def read_frame(stream: IO[bytes]) -> dict[str, Any] | None:
    header = stream.read(4)
    if len(header) < 4:
        return None
    (size,) = struct.unpack(">I", header)
    message: dict[str, Any] = json.loads(stream.read(size).decode("utf-8"))
    return message


def write_frame(stream: IO[bytes], message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


class Capped:
    """The first and last `limit/2` bytes of the output, and how many bytes were cut between."""

    def __init__(self, limit: int) -> None:
        self.half = limit // 2
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        excess = len(self.tail) - self.half
        if excess > 0:
            del self.tail[:excess]
            self.dropped += excess


def open_pidfd(pid: int) -> int | None:
    # A pidfd becomes readable when the process exits, so select() wakes at once; without one
    # (old kernel, seccomp) we poll, which only matters when background children hold the pipe.
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def collect(proc: subprocess.Popen[bytes], stdout: IO[bytes], output: Capped, deadline: float) -> bool:
    """Read the output until the pipe closes or the main process exits; True on timeout."""
    out_fd = stdout.fileno()
    pidfd = open_pidfd(proc.pid)
    watched = [out_fd] if pidfd is None else [out_fd, pidfd]
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return True
            wait = remaining if pidfd is not None else min(remaining, POLL_SECONDS)
            ready, _, _ = select.select(watched, [], [], wait)
            if out_fd in ready:
                chunk = os.read(out_fd, 65536)
                if not chunk:
                    return wait_exit(proc, deadline)
                output.feed(chunk)
            elif ready or proc.poll() is not None:
                return False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def wait_exit(proc: subprocess.Popen[bytes], deadline: float) -> bool:
    # A closed pipe is not an exit: tools close stdout, then still run atexit code. Killing the
    # group now would turn their exit code into -9.
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        return False
    except subprocess.TimeoutExpired:
        return True


def drain(stream: IO[bytes], output: Capped) -> None:
    """Whatever the killed group left in the pipe; bounded, since a setsid'd child may hold it."""
    fd = stream.fileno()
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        output.feed(chunk)


PR_SET_CHILD_SUBREAPER = 36
SWEEP_ROUNDS = 50


def become_subreaper() -> None:
    """Orphans of our commands are re-parented to us instead of init, so we can find and kill them."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(children(child))
    return found


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_leftovers(pid: int, sweep: str) -> None:
    """Kill the command's group and, with sweep "user", every process of ours but this server and PID 1."""
    for target, kill in [(pid, os.killpg)] + ([(-1, os.kill)] if sweep == "user" else []):
        try:
            kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def kill_descendants() -> None:
    """Kill (and reap) every process below this server, however it left the command's group."""
    for _ in range(SWEEP_ROUNDS):
        left = descendants(os.getpid())
        if not left:
            return
        for child in left:
            try:
                os.kill(child, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        reap()
        time.sleep(0.001)


def run(request: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    proc = subprocess.Popen(
        ["bash", "-c", request["command"]],
        cwd=request.get("cwd", WORKDIR),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = Capped(int(request["limit"]))
    stdout = proc.stdout
    assert stdout is not None  # stdout=PIPE
    with stdout:
        timed_out = collect(proc, stdout, output, started + float(request["timeout"]))
        kill_leftovers(proc.pid, request.get("sweep", "user"))
        proc.wait()
        kill_descendants()
        drain(stdout, output)
    return {
        "exit_code": proc.returncode,
        "head": base64.b64encode(bytes(output.head)).decode("ascii"),
        "tail": base64.b64encode(bytes(output.tail)).decode("ascii"),
        "dropped": output.dropped,
        "duration": time.monotonic() - started,
        "timed_out": timed_out,
    }


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    write_frame(replies, {"ready": True, "pid": os.getpid()})
    while True:
        request = read_frame(requests)
        if request is None:
            return
        try:
            reply = run(request)
        except OSError as exc:
            reply = {"error": f"could not start the command: {exc}"}
        write_frame(replies, reply)


if __name__ == "__main__":
    os.umask(0o002)  # files the commands create stay writable for the worktree's group
    become_subreaper()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # exit quietly once the host hangs up
    serve(sys.stdin.buffer, sys.stdout.buffer)
