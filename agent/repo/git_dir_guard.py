"""What a command in the worktree could change in the user's repository, remembered and put back.

The worktree shares the user's git directory. In the Docker sandbox it is mounted read-only; on the
host (the local sandbox) a model's `git config`, a planted hook or a moved branch would outlive the
job and act in the user's own checkout. So before a step it is remembered and after it put back.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

FileState = tuple[bytes, int]


class GitDirGuard:
    def __init__(self, common_dir: Path, git_dir: Path, own_ref: str, git: Callable[..., str]) -> None:
        self.common_dir, self.git_dir, self.own_ref, self._git = common_dir, git_dir, own_ref, git
        self._files: dict[Path, FileState] = {}
        self._refs: dict[str, str] | None = None

    def watch(self) -> None:
        self._files, self._refs = self._read_files(), self._read_refs()

    def restore(self) -> list[str]:
        """Put back what changed since `watch`; what was put back, in words."""
        if self._refs is None:
            return []  # nothing remembered yet: nothing to compare with
        return self._restore_files() + self._restore_refs()

    def _restore_files(self) -> list[str]:
        now, repairs = self._read_files(), []
        for path in sorted(set(self._files) | set(now)):
            before = self._files.get(path)
            if now.get(path) == before:
                continue
            path.unlink(missing_ok=True)  # never write through a link put in its place
            if before is not None:
                path.write_bytes(before[0])
                path.chmod(before[1])
            repairs.append(f"{path} was changed during the step: put back as it was")
        return repairs

    def _restore_refs(self) -> list[str]:
        assert self._refs is not None
        now, repairs = self._read_refs(), []
        for ref in sorted(set(self._refs) | set(now)):
            before = self._refs.get(ref)
            if now.get(ref) == before:
                continue
            if before is None:
                self._git("update-ref", "--no-deref", "-d", ref)
            else:
                self._git("update-ref", "--no-deref", ref, before)
            repairs.append(f"{ref} was {'made' if before is None else 'moved or deleted'} during the step: put back")
        return repairs

    def _read_files(self) -> dict[Path, FileState]:
        hooks = self.common_dir / "hooks"
        paths = [
            self.common_dir / "config",
            self.common_dir / "HEAD",
            self.common_dir / "info" / "attributes",
            self.git_dir / "config.worktree",
            *(sorted(hooks.iterdir()) if hooks.is_dir() else []),
        ]
        found = {}
        for path in paths:
            try:
                if path.is_file() and not path.is_symlink():
                    found[path] = (path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
            except OSError:
                continue
        return found

    def _read_refs(self) -> dict[str, str]:
        """Every ref but the job's own branch (the step moves that one) and symbolic ones."""
        lines = self._git("for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)").splitlines()
        refs = (line.split("\0") for line in lines if line)
        return {name: sha for name, sha, symref in refs if not symref and name != self.own_ref}
