"""A local cache of clones, one per repository, reused across jobs (fetched, never re-cloned).

A clone is made in a `.REPO.partial-PID-…` sibling and renamed into place only once complete,
so an interrupted or failed clone is never taken for a usable one. Credentials travel in the
git process's environment only: never in the remote URL, `.git/config` or an error message.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from agent.errors import UserError
from agent.repo import GitFailed, run_git, safe_url
from state.db import pid_alive

_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


class RepoCacheError(UserError):
    """Base of clone-cache errors; the message is one line saying what to do."""


class CloneError(RepoCacheError):
    """Cloning or updating the cached clone failed."""


def ensure_clone(clone_url: str, cache_dir: Path, token: str | None = None) -> Path:
    """The path of an up-to-date clone of `clone_url` at `cache_dir/OWNER/REPO`.

    Clones on first use, fetches `origin` on later ones. Base job branches on `origin/<branch>`:
    the fetch updates the remote-tracking refs, not the clone's local branches.
    """
    target = cache_path(clone_url, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_partials(target)
    if target.exists():
        _check_reusable(target, clone_url)
        try:
            run_git(["fetch", "--prune", "origin"], target, url=clone_url, token=token)
        except GitFailed as exc:
            source = safe_url(clone_url)
            raise CloneError(f"could not update the cached clone {target} from {source}: {exc.reason}") from None
        return target
    _clone_into_place(clone_url, target, token)
    return target


def cache_path(clone_url: str, cache_dir: Path) -> Path:
    """`cache_dir/OWNER/REPO` for an https, ssh, scp-like (`git@host:o/r.git`) URL or a local path."""
    path = urlsplit(clone_url).path if "://" in clone_url else clone_url.rsplit(":", 1)[-1]
    names = [p for p in path.replace("\\", "/").split("/") if p]
    if len(names) < 2:
        raise CloneError(f"cannot tell owner and repository from {safe_url(clone_url)}: expected …/OWNER/REPO(.git)")
    owner, repo = names[-2], names[-1].removesuffix(".git")
    if not all(_NAME.match(n) and n not in (".", "..") for n in (owner, repo)):
        raise CloneError(f"odd owner or repository name in {safe_url(clone_url)}: clone it yourself and pass --repo")
    return Path(cache_dir) / owner / repo


def _clone_into_place(clone_url: str, target: Path, token: str | None) -> None:
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        clone = ["clone", "--origin", "origin", "--", clone_url, str(partial)]
        run_git(clone, target.parent, url=clone_url, token=token)
        partial.rename(target)
    except GitFailed as exc:
        hint = "" if token else " (for a private repository, set GITHUB_TOKEN)"
        raise CloneError(f"could not clone {safe_url(clone_url)}: {exc.reason}{hint}") from None
    except OSError:
        if not (target / ".git").is_dir():
            raise
        # Another process finished the same clone first: use theirs.
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _check_reusable(target: Path, clone_url: str) -> None:
    if not (target / ".git").is_dir():
        raise CloneError(f"{target} is in the clone cache but is not a git clone: remove it and retry")
    try:
        origin = run_git(["config", "--get", "remote.origin.url"], target).strip()
    except GitFailed:
        origin = ""
    if origin != clone_url:
        raise CloneError(
            f"the cached clone {target} comes from {safe_url(origin) or 'nowhere'}, not {safe_url(clone_url)}:"
            " remove it or use another cache directory"
        )


def _remove_abandoned_partials(target: Path) -> None:
    """Deletes partial clones whose process is gone (killed mid-clone); live ones are left alone."""
    for partial in target.parent.glob(f".{target.name}.partial-*"):
        pid = partial.name.rsplit(".partial-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)
