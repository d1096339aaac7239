"""A queued job on the host that runs it: its repository cloned, its branch as the record has it, its worktree.

The record, not any host, holds the job: a worker that takes over from a dead one rebuilds the branch from the
bundle saved after the last recorded step commit, and the graph from its checkpoints."""

from __future__ import annotations

import fcntl
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.compose.runner import lease_owner
from agent.config import Settings
from agent.github.clones import ensure_clone
from agent.repo import RepoError, Workspace, commit_of
from agent.repo.bundles import branch_bundle, restore_branch
from state import Job, JobStatus, SqlStore


def place_on_host(store: SqlStore, settings: Settings, job: Job, token: str | None) -> Job:
    """Clone (or update) the job's repository here and set up its worktree on the recorded branch; the record
    then says where they are on this host. The caller holds the job's lease."""
    assert job.repo_url, "only a submitted job has a repository URL"
    cache = settings.home / "repos"
    with _host_lock(cache):
        clone = ensure_clone(job.repo_url, cache, token)
        if commit_of(clone, job.base_commit) is None:
            raise RepoError(f"the job's base commit {job.base_commit[:10]} is no longer in {job.repo_url}")
        saved = store.branch_bundle(job.id)
        moved = saved is not None and restore_branch(clone, job.branch, saved.head, saved.bundle)
        worktree = settings.worktrees / job.id
        workspace = Workspace.ensure(clone, worktree, job.branch, job.base_commit)
    if moved:
        workspace.discard_changes()
    store.update_job(job.id, repo_path=str(clone), worktree_path=str(worktree))
    return store.job(job.id)


def on_this_host(store: SqlStore, settings: Settings, job: Job, token: str | None) -> Job:
    """A submitted job as this machine can review or push it: its branch, as the record holds it, in this
    host's clone of its repository (the host that ran it may be another). Other jobs come back as they are."""
    saved = store.branch_bundle(job.id)
    if not job.repo_url or saved is None or _runs_here(store, job) or _holds(job.repo_path, job.branch, saved.head):
        return job
    cache = settings.home / "repos"
    with _host_lock(cache):
        clone = ensure_clone(job.repo_url, cache, token)
        restore_branch(clone, job.branch, saved.head, saved.bundle)
    job.repo_path = str(clone)  # for this command only: the record keeps the host that ran it
    return job


def _holds(repo: str, branch: str, head: str) -> bool:
    """Whether `repo` is here and has the branch at `head` (this host ran the job)."""
    return bool(repo) and (Path(repo) / ".git").is_dir() and commit_of(Path(repo), f"refs/heads/{branch}") == head


def _runs_here(store: SqlStore, job: Job) -> bool:
    """A job running on this host moves its own branch: leave it alone."""
    running = store.effective_status(job) in (JobStatus.PLANNING, JobStatus.RUNNING)
    return running and (job.lease_owner or "").rpartition(":")[0] == socket.gethostname()


def keep_branch(store: SqlStore, job: Job) -> Callable[[Workspace, str], None]:
    """What saves the branch into the record after each step commit."""
    owner = lease_owner()

    def save(workspace: Workspace, head: str) -> None:
        store.save_branch(job.id, head, branch_bundle(workspace, job.base_commit), owner)

    return save


@contextmanager
def _host_lock(cache: Path) -> Iterator[None]:
    """One worker process at a time fetches into this host's clones and adds worktrees to them."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
