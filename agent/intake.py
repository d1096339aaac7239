"""Making a job: the repo and the issue taken in, then its worktree and its row — or nothing at all."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from agent.config import Settings
from agent.github.intake import intake_issue
from agent.issue import IntakeError, IssueText, job_title, read_issue, slugify
from agent.repo import UserRepo, Workspace, open_user_repo
from state import Job, JobStatus, SqlStore


def take_in(
    settings: Settings,
    issue_url: str | None,
    repo: Path | None,
    issue: str | None,
    issue_file: Path | None,
    token: str | None,
) -> tuple[UserRepo, IssueText, str | None]:
    """The repo, the issue and (for a GitHub issue) the branch of a new job; nothing is recorded yet."""
    repo = repo.expanduser().resolve() if repo else None
    if issue_url is None:
        return open_user_repo(repo or Path(".").resolve()), read_issue(issue, issue_file), None
    if issue is not None or issue_file is not None:
        raise IntakeError("pass either a GitHub issue URL or --issue/--issue-file, not both")
    found = intake_issue(settings, issue_url, token, repo)
    return found.repo, found.issue, found.branch


def create_job(store: SqlStore, settings: Settings, repo: UserRepo, issue: IssueText, branch: str | None = None) -> Job:
    """The worktree first, then the row: a failure leaves no half-made job behind."""
    fields = job_fields(settings, issue)
    job_id = secrets.token_hex(4)
    branch = branch or f"sparkwright/{slugify(fields['issue_title'])}-{job_id}"
    worktree = settings.worktrees / job_id
    Workspace.ensure(repo.path, worktree, branch, repo.head)
    try:
        return store.create_job(
            id=job_id,
            status=JobStatus.PLANNING.value,
            repo_path=str(repo.path),
            base_commit=repo.head,
            branch=branch,
            worktree_path=str(worktree),
            **fields,
        )
    except BaseException:
        Workspace.remove(repo.path, worktree, branch)
        raise


def job_fields(settings: Settings, issue: IssueText) -> dict[str, Any]:
    """What every new job records of its issue and its settings, wherever it will run."""
    if not issue.text.strip() and not issue.title.strip():
        raise IntakeError("the issue is empty: pass --issue TEXT or --issue-file FILE with what to do")
    return {
        "issue_title": job_title(issue),
        "issue_text": issue.text,
        "issue_url": issue.url,
        "issue_comments": issue.comments,
        "deep_model": settings.deep_model,
        "fast_model": settings.fast_model,
        "test_command": settings.test_command,
        "settings": job_settings_record(settings),
    }


def job_settings_record(settings: Settings) -> dict[str, object]:
    """The settings kept with a job: not where this machine keeps things, nor a URL that may hold a password."""
    return settings.model_dump(mode="json", exclude={"home", "db", "broker_url"})
