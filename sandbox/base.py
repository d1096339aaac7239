"""The `Sandbox` protocol: run a command in the workspace, read and write files confined to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

DEFAULT_OUTPUT_LIMIT = 64 * 1024
DEFAULT_IMAGE = "python:3.12-slim"
"""The Docker sandbox's image unless configured; here, apart from the docker SDK, so settings load without it."""


class SandboxError(Exception):
    """The sandbox cannot run anything (not started, setup failed, container gone); the message says
    what to do. A job that meets one stops, resumably."""


class SandboxSetupError(SandboxError):
    """The setup command failed; `result.output` is its log."""

    def __init__(self, message: str, result: CommandResult) -> None:
        super().__init__(message)
        self.result = result

    @classmethod
    def of(cls, command: str, result: CommandResult) -> SandboxSetupError:
        status = "timed out" if result.timed_out else f"exited with {result.exit_code}"
        reason, fix = setup_failure(result.output)
        return cls(
            f"the setup command `{command[:200]}` {status}: {reason} ({fix}; its log is in `sparkwright show`)", result
        )


PIP_REFUSED = ("externally-managed-environment", "Could not find an activated virtualenv")
"""pip's words when it will not install outside a virtual environment (PEP 668, or PIP_REQUIRE_VIRTUALENV)."""


def setup_failure(output: str) -> tuple[str, str]:
    """Why a setup command failed, and what fixes it, for the known cases; else its last line."""
    if any(said in output for said in PIP_REFUSED):
        return (
            "pip refused to install into a Python outside a virtual environment (PEP 668)",
            "run sparkwright from an activated virtual environment that has what the tests need, give a setup_command "
            "that makes one, or use the Docker sandbox (--sandbox docker)",
        )
    tail = (output.strip().splitlines() or ["no output"])[-1]
    return tail.strip()[:300], "fix setup_command"


class SandboxCallError(SandboxError):
    """One request was bad (a path, a file); the sandbox itself is fine. Tools report these to the model."""


class PathEscapeError(SandboxCallError, PermissionError):
    """A path points outside the workspace, or into its `.git`."""


class SandboxFileError(SandboxCallError, OSError):
    """A file could not be read or written (missing, a directory, a link, too large, not text)."""


@dataclass(frozen=True)
class CommandResult:
    exit_code: int
    """The command's exit status; -9 or 124-style codes when it was killed."""
    output: str
    """stdout and stderr interleaved, capped: head and tail kept, a note of what was cut."""
    duration: float
    """Wall-clock seconds from start to exit (or kill)."""
    timed_out: bool = False
    """True when the timeout killed the command's whole process tree."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@runtime_checkable
class Sandbox(Protocol):
    """A workspace the worker acts in. Paths are relative to the workspace root."""

    workspace: Path
    """The workspace on the host (the job's git worktree)."""

    def run(self, command: str, timeout: float) -> CommandResult:
        """Run a shell command in the workspace root; never raises for the command's failure."""
        ...

    def read_file(self, path: str) -> str: ...

    def write_file(self, path: str, content: str) -> None: ...

    def close(self) -> None: ...


class CappedOutput:
    """Collects a command's output in bounded memory: the first and last `limit/2` bytes."""

    def __init__(self, limit: int = DEFAULT_OUTPUT_LIMIT) -> None:
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

    @classmethod
    def from_parts(cls, head: bytes, tail: bytes, dropped: int) -> CappedOutput:
        """The buffer another process collected (the Docker sandbox's command server)."""
        output = cls(2 * max(len(head), len(tail)))
        output.head, output.tail, output.dropped = bytearray(head), bytearray(tail), dropped
        return output

    def text(self) -> str:
        head = self.head.decode("utf-8", errors="replace")
        tail = self.tail.decode("utf-8", errors="replace")
        if not self.dropped:
            return head + tail
        return f"{head}\n[... {self.dropped} bytes of output cut ...]\n{tail}"
