"""Who the container runs as, and letting that user edit a worktree owned by root.

A worktree owned by a normal user is shared by running the container as that user: files stay
theirs. A root-owned worktree (CI, agent-in-a-container setups) must not be used as root, so the
container runs as FALLBACK_UID and gets a POSIX ACL entry on every file, plus a *default* ACL on
every directory so files the host creates later (git checkout, write_file) are writable too.
Ownership is left alone: chown'ing the worktree would trip git's "dubious ownership" check.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import struct
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

FALLBACK_UID = 1000
ACCESS_ACL = "system.posix_acl_access"
DEFAULT_ACL = "system.posix_acl_default"
_USER_OBJ, _USER, _GROUP_OBJ, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
_UNDEFINED_ID = 0xFFFFFFFF
_UNSUPPORTED = {errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}


def sandbox_user(workspace: Path) -> tuple[int, int]:
    """(uid, gid) the container runs as: the worktree owner's, or FALLBACK_UID when that is root."""
    info = workspace.stat()
    return (info.st_uid or FALLBACK_UID), info.st_gid


def grant_access(workspace: Path, uid: int) -> None:
    """Let `uid` read and write everything under `workspace`, now and for files created later."""
    if workspace.stat().st_uid == uid:
        return
    try:
        _walk(workspace, lambda path, info: _grant_acl(path, info, uid))
    except OSError as exc:
        if exc.errno not in _UNSUPPORTED:
            raise
        log.warning(
            "no ACL support on %s: making it group-writable instead; files the host creates "
            "later may not be writable in the sandbox",
            workspace,
        )
        _walk(workspace, _grant_group_write)


def _walk(root: Path, grant: Callable[[str, os.stat_result], None]) -> None:
    grant(str(root), os.lstat(root))
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if not stat.S_ISLNK(info.st_mode):  # never follow a link out of the worktree
                grant(path, info)


def _grant_acl(path: str, info: os.stat_result, uid: int) -> None:
    if _has_acl_for(path, uid):
        return  # granted before (reattach): its mode bits now show the mask, not the group
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        os.setxattr(path, ACCESS_ACL, _acl(mode, uid, 0o7), follow_symlinks=False)
        os.setxattr(path, DEFAULT_ACL, _acl(0o775, uid, 0o7), follow_symlinks=False)
    else:
        os.setxattr(path, ACCESS_ACL, _acl(mode, uid, 0o6 | (mode >> 6) & 0o1), follow_symlinks=False)


def _has_acl_for(path: str, uid: int) -> bool:
    try:
        acl = os.getxattr(path, ACCESS_ACL, follow_symlinks=False)
    except OSError as exc:
        if exc.errno == errno.ENODATA:
            return False
        raise
    entries = (struct.unpack_from("<HHI", acl, offset) for offset in range(4, len(acl), 8))
    return any(tag == _USER and entry_id == uid for tag, _, entry_id in entries)


def _acl(mode: int, uid: int, perms: int) -> bytes:
    """The kernel's binary ACL (acl_ea.h): version 2, then (tag, perm, id) entries sorted by tag."""
    group = (mode >> 3) & 0o7
    entries = [
        (_USER_OBJ, (mode >> 6) & 0o7, _UNDEFINED_ID),
        (_USER, perms, uid),
        (_GROUP_OBJ, group, _UNDEFINED_ID),
        (_MASK, perms | group, _UNDEFINED_ID),
        (_OTHER, mode & 0o7, _UNDEFINED_ID),
    ]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


def _grant_group_write(path: str, info: os.stat_result) -> None:
    os.chmod(path, stat.S_IMODE(info.st_mode) | stat.S_IWGRP | (stat.S_IXGRP if stat.S_ISDIR(info.st_mode) else 0))
