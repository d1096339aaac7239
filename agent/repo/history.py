"""A job branch's history as the review shows it: commits since the base, the diff, the files touched."""

from __future__ import annotations

import re

from git import BadName, GitCommandError, InvalidGitRepositoryError, NoSuchPathError, Repo

from agent.record.review_record import CommitRow, FileRow
from agent.repo.user_repo import RepoError
from state import Job


def git_facts(job: Job) -> tuple[str, list[CommitRow], str, list[FileRow]]:
    """The branch's head, its commits since the base, the whole diff and the files it touches."""
    repo = _open(job)
    head = _branch_head(repo, job)
    span = f"{job.base_commit}..{head}"
    commits: list[CommitRow] = [
        {
            "sha": c.hexsha,
            # gitpython decodes a read commit's message with errors="replace", so both are str here.
            "subject": c.summary,  # type: ignore[typeddict-item]
            "step": _step_of(c.message, job.id),  # type: ignore[arg-type]
            "authored": c.authored_datetime.isoformat(),
        }
        for c in repo.iter_commits(span, reverse=True)
    ]
    diff = repo.git.diff("--no-color", "--no-ext-diff", job.base_commit, head)
    return head, commits, diff + "\n" if diff else "", _files(repo, job, head)


def show_commit(job: Job, sha: str) -> str:
    return _open(job).git.show("--no-color", "--no-ext-diff", "--stat", "--patch", sha) + "\n"


def _open(job: Job) -> Repo:
    try:
        return Repo(job.repo_path)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise RepoError(
            f"the job's repository {job.repo_path} is gone or not a git repository: restore it to review the job"
        ) from None


def _branch_head(repo: Repo, job: Job) -> str:
    try:
        return repo.commit(f"refs/heads/{job.branch}").hexsha
    except (BadName, ValueError, GitCommandError):
        raise RepoError(
            f"the job's branch {job.branch} no longer exists in {job.repo_path}: "
            "restore it (e.g. from its remote) to review the job"
        ) from None


def _files(repo: Repo, job: Job, head: str) -> list[FileRow]:
    statuses = {}
    for line in repo.git.diff("--name-status", "--no-renames", job.base_commit, head).splitlines():
        status, path = line.split("\t", 1)
        statuses[path] = status
    files: list[FileRow] = []
    for line in repo.git.diff("--numstat", "--no-renames", job.base_commit, head).splitlines():
        added, deleted, path = line.split("\t", 2)
        files.append(
            {
                "path": path,
                "status": statuses.get(path, "M"),
                "insertions": int(added) if added.isdigit() else None,
                "deletions": int(deleted) if deleted.isdigit() else None,
            }
        )
    return files


def _step_of(message: str, job_id: str) -> int | None:
    match = re.search(rf"^Sparkwright-Step: {re.escape(job_id)}/(\d+)$", message, re.MULTILINE)
    return int(match.group(1)) if match else None
