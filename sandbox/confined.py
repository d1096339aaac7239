"""File access inside the workspace that no path, symlink or special file can redirect.

Every path is walked one component at a time from a descriptor of the workspace root with
O_NOFOLLOW (openat-style), so a symlink anywhere on the way is refused rather than followed,
whoever made it and whenever. Only regular files with a single link are read or written, and
never more than a size cap; FIFOs and devices are refused without blocking. A write goes to a
temporary file created exclusively under an unpredictable name in the same directory, then is
renamed over the target: nothing is ever written or chmod'ed through a path.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from sandbox.base import PathEscapeError, SandboxCallError, SandboxFileError

CONTAINER_ROOT = "/workspace"
MAX_READ_BYTES = 2 * 1024 * 1024
MAX_WRITE_BYTES = 2 * 1024 * 1024
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class WorkspaceView:
    """Read-only access to a workspace for the planner: it reads and lists, and runs nothing."""

    def __init__(self, root: Path) -> None:
        self.workspace = Path(root).resolve()

    def read_file(self, path: str) -> str:
        return read_text(self.workspace, path)

    def is_file(self, path: str) -> bool:
        """A regular file inside the workspace, reached without following links."""
        try:
            self.read_file(path)
        except (SandboxCallError, ValueError):
            return False
        return True


def parts_of(path: str) -> tuple[str, ...]:
    """The components of a workspace path; refuses what could leave the workspace or reach `.git`."""
    if "\0" in path:
        raise PathEscapeError(f"path {path[:80]!r} contains a NUL byte: use a plain relative path")
    posix = PurePosixPath(path)
    if posix.is_absolute():
        if posix != PurePosixPath(CONTAINER_ROOT) and PurePosixPath(CONTAINER_ROOT) not in posix.parents:
            raise PathEscapeError(f"path {path!r} is outside the workspace: use a path relative to the repository root")
        posix = posix.relative_to(CONTAINER_ROOT)
    parts = tuple(p for p in posix.parts if p != ".")
    if ".." in parts:
        raise PathEscapeError(f"path {path!r} goes up with '..': use a path relative to the repository root")
    if ".git" in parts:
        raise PathEscapeError(f"path {path!r} is inside .git: sparkwright owns the repository's git data")
    return parts


@contextmanager
def _dir_fd(root: Path, parts: tuple[str, ...], path: str, create: bool = False) -> Iterator[int]:
    """A descriptor of the directory `parts` inside `root`, walked without following any symlink."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for name in parts:
            if create:
                try:
                    os.mkdir(name, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                if exc.errno == errno.ENOTDIR and _is_link(name, fd):  # O_DIRECTORY answers first for a link
                    exc = OSError(errno.ELOOP, "a symbolic link")
                raise _explain(exc, path, name) from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _explain(exc: OSError, path: str, name: str) -> SandboxCallError:
    if isinstance(exc, FileNotFoundError):
        return SandboxFileError(f"no file {path!r}: list or search the files to find the right path")
    if exc.errno == errno.ELOOP:  # what O_NOFOLLOW answers for a symlink
        return PathEscapeError(
            f"{path!r}: {name!r} is a symbolic link; sparkwright's file tools do not follow "
            "links: use the real path inside the repository"
        )
    if exc.errno == errno.ENOTDIR:
        return SandboxFileError(f"{path!r}: {name!r} is a file, not a directory")
    if exc.errno == errno.ENAMETOOLONG:
        return SandboxFileError(f"{path[:80]!r}…: a name in it is too long for the file system")
    return SandboxFileError(f"{path!r}: {exc.strerror or exc}")


def _split(path: str) -> tuple[tuple[str, ...], str]:
    parts = parts_of(path)
    if not parts:
        raise SandboxFileError(f"{path!r} is the repository root, not a file")
    return parts[:-1], parts[-1]


def _check_regular(info: os.stat_result, path: str, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise SandboxFileError(f"{path!r} is a directory, not a file: list_files shows what is in it")
    if not stat.S_ISREG(info.st_mode):
        raise SandboxFileError(f"{path!r} is not a regular file (a FIFO, socket or device): refusing to touch it")
    if info.st_nlink > 1:
        raise SandboxFileError(
            f"{path!r} is hard-linked to another file: refusing to touch it; remove the link and recreate the file"
        )
    if info.st_size > limit:
        raise SandboxFileError(
            f"{path!r} is {info.st_size} bytes, over the {limit}-byte limit of the file tools: "
            "use `run` with head/sed/grep to look at parts of it"
        )


def read_bytes(root: Path, path: str, limit: int = MAX_READ_BYTES) -> bytes:
    """The content of the regular file `path` inside `root` (at most `limit` bytes)."""
    parents, name = _split(path)
    with _dir_fd(root, parents, path) as dir_fd:
        try:
            fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            raise _explain(exc, path, name) from None
        try:
            _check_regular(os.fstat(fd), path, limit)
            chunks, size = [], 0
            while chunk := os.read(fd, 1 << 20):
                size += len(chunk)
                if size > limit:
                    raise SandboxFileError(f"{path!r} grew past the {limit}-byte limit while being read")
                chunks.append(chunk)
            return b"".join(chunks)
        finally:
            os.close(fd)


def read_text(root: Path, path: str) -> str:
    try:
        return read_bytes(root, path).decode("utf-8")
    except UnicodeDecodeError:
        raise SandboxFileError(f"{path!r} is not a UTF-8 text file") from None


def write_text(root: Path, path: str, content: str) -> None:
    """Replace (or create) `path` inside `root` with `content`, keeping an existing file's mode."""
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SandboxFileError(
            f"the content for {path!r} is not valid text ({exc.reason} at character {exc.start}): send plain UTF-8 text"
        ) from None
    if len(data) > MAX_WRITE_BYTES:
        raise SandboxFileError(f"the content for {path!r} is {len(data)} bytes, over the {MAX_WRITE_BYTES}-byte limit")
    parents, name = _split(path)
    with _dir_fd(root, parents, path, create=True) as dir_fd:
        mode = _existing_mode(dir_fd, name, path)
        tmp = f".{name[:200]}.{secrets.token_hex(8)}.sparkwright-tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=dir_fd)
        except OSError as exc:
            raise _explain(exc, path, name) from None
        try:
            with os.fdopen(fd, "wb", closefd=False) as out:
                out.write(data)
            os.fchmod(fd, mode)
            os.close(fd)
            fd = -1
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException as exc:
            if fd >= 0:
                os.close(fd)
            _unlink_quietly(tmp, dir_fd)
            if isinstance(exc, OSError):
                raise _explain(exc, path, name) from None
            raise


def _existing_mode(dir_fd: int, name: str, path: str) -> int:
    """The mode the new file gets: the old file's, or rw for everyone less the umask."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
    except OSError as exc:
        raise _explain(exc, path, name) from None
    if stat.S_ISLNK(info.st_mode):
        raise PathEscapeError(
            f"{path!r} is a symbolic link: sparkwright's file tools do not follow links; "
            "edit the file it points to by its real path"
        )
    _check_regular(info, path, MAX_WRITE_BYTES * 8)
    return stat.S_IMODE(info.st_mode)


def _unlink_quietly(name: str, dir_fd: int) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def remove(root: Path, path: str) -> None:
    """Remove the file (or link) `path` inside `root`, if there is one; no link on the way is followed."""
    parents, name = _split(path)
    try:
        with _dir_fd(root, parents, path) as dir_fd:
            _unlink_quietly(name, dir_fd)
    except SandboxFileError:
        pass


def exists(root: Path, path: str) -> bool:
    """True when `path` names anything inside `root` (reached without following links)."""
    parents, name = _split(path)
    try:
        with _dir_fd(root, parents, path) as dir_fd:
            os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except (OSError, SandboxFileError):
        return False
    return True


SKIPPED_DIRS = frozenset({".git", "__pycache__", "node_modules"})


def walk_files(root: Path, path: str = ".") -> Iterator[str]:
    """The relative path of every regular file under `path`, in sorted order, reached without
    following links; `.git`, `__pycache__` and `node_modules` are skipped. `path` may name one file."""
    parts = parts_of(path)
    base = "/".join(parts)
    if parts and not _is_dir(root, parts, path):
        parents, name = parts[:-1], parts[-1]
        with _dir_fd(root, parents, path) as dir_fd:
            if stat.S_ISREG(_lstat(name, dir_fd, path).st_mode):
                yield base
        return
    with _dir_fd(root, parts, path) as fd:
        yield from _walk(fd, base)


def _is_dir(root: Path, parts: tuple[str, ...], path: str) -> bool:
    with _dir_fd(root, parts[:-1], path) as dir_fd:
        return stat.S_ISDIR(_lstat(parts[-1], dir_fd, path).st_mode)


def _lstat(name: str, dir_fd: int, path: str) -> os.stat_result:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError as exc:
        raise _explain(exc, path, name) from None


def _walk(fd: int, prefix: str) -> Iterator[str]:
    with os.scandir(fd) as entries:
        listed = sorted((e.name, e.is_dir(follow_symlinks=False), e.is_file(follow_symlinks=False)) for e in entries)
    for name, is_dir, is_file in listed:
        rel = f"{prefix}/{name}" if prefix else name
        if is_file:
            yield rel
        elif is_dir and name not in SKIPPED_DIRS:
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=fd)
            except OSError:
                continue  # replaced by a link, or unreadable: not ours to follow
            try:
                yield from _walk(child, rel)
            finally:
                os.close(child)
