"""The `Sandbox` protocol: run a command in the workspace, read and write files confined to it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

DEFAULT_OUTPUT_LIMIT = 64 * 1024


class SandboxError(Exception):
    """Base of the sandbox's errors; the message says what to do."""


class PathEscapeError(SandboxError, PermissionError):
    """A path points outside the workspace."""


class SandboxFileError(SandboxError, OSError):
    """A file could not be read or written (missing, a directory, not text)."""


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


def resolve_in(root: Path, path: str) -> Path:
    """The absolute host path of `path` inside `root`; refuses anything that escapes it.

    Symlinks are followed before the check, so a link pointing out of the workspace is refused
    just like `..` or an absolute path elsewhere."""
    root = root.resolve()
    candidate = Path(path)
    if candidate.is_absolute() and str(candidate).startswith("/workspace"):
        candidate = Path(os.path.relpath(candidate, "/workspace"))
    target = (root / candidate).resolve()
    if target != root and root not in target.parents:
        raise PathEscapeError(f"path {path!r} is outside the workspace: use a path relative to the repository root")
    return target


def read_text(root: Path, path: str) -> str:
    target = resolve_in(root, path)
    try:
        return target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SandboxFileError(f"no file {path!r}: list or search the files to find the right path") from None
    except IsADirectoryError:
        raise SandboxFileError(f"{path!r} is a directory, not a file") from None
    except UnicodeDecodeError:
        raise SandboxFileError(f"{path!r} is not a UTF-8 text file") from None


def write_text(root: Path, path: str, content: str) -> None:
    target = resolve_in(root, path)
    if target.is_dir():
        raise SandboxFileError(f"{path!r} is a directory, not a file")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.sparkwright-tmp")
    tmp.write_text(content, encoding="utf-8")
    if target.exists():
        os.chmod(tmp, target.stat().st_mode & 0o7777)
    os.replace(tmp, target)


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
    def from_parts(cls, head: bytes, tail: bytes, dropped: int) -> "CappedOutput":
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


SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")


def scrubbed_env(env: dict[str, str]) -> dict[str, str]:
    """The environment minus anything that looks like a secret: commands never see API keys."""
    return {k: v for k, v in env.items() if not any(m in k.upper() for m in SECRET_MARKERS)}
