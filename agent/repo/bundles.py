"""A job branch carried between hosts as a git bundle: its commits since the job's base, nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

from agent.repo.commands import run_git
from agent.repo.user_repo import commit_of
from agent.repo.workspace import Workspace


def branch_bundle(workspace: Workspace, base: str) -> bytes:
    """The job branch's commits since `base` as a bundle (a step commit always makes one)."""
    with tempfile.TemporaryDirectory(prefix="sparkwright-bundle-") as tmp:
        path = Path(tmp) / "branch.bundle"
        workspace.git("bundle", "create", "-q", str(path), f"refs/heads/{workspace.branch}", f"^{base}")
        return path.read_bytes()


def restore_branch(repo: Path, branch: str, head: str, bundle: bytes) -> bool:
    """Put `branch` of `repo` at `head`, the commits coming from `bundle`; False when it already was there.
    The record is the truth: a branch left ahead by a host that died before recording its commit goes back."""
    if commit_of(repo, f"refs/heads/{branch}") == head:
        return False
    with tempfile.TemporaryDirectory(prefix="sparkwright-bundle-") as tmp:
        path = Path(tmp) / "branch.bundle"
        path.write_bytes(bundle)
        incoming = f"refs/sparkwright/incoming/{branch}"
        run_git(["fetch", "-q", "--no-write-fetch-head", str(path), f"+refs/heads/{branch}:{incoming}"], repo)
    run_git(["update-ref", f"refs/heads/{branch}", head], repo)
    run_git(["update-ref", "-d", incoming], repo)
    return True
