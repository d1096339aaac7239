"""Delivering a finished job: its branch pushed to `origin`, and optionally a draft PR whose body is its review."""

from __future__ import annotations

from pathlib import Path

from agent.config import Settings
from agent.github.client import GitHubClient
from agent.github.delivery import Delivery, DeliveryError, deliver, push_branch
from agent.github.intake import api_base, parse_job_issue
from agent.github.refs import GITHUB_WEB_HOST, host_of
from agent.record import Delivered, record_event
from agent.repo import GitFailed, run_git
from agent.views.review_data import review_record
from agent.views.review_markdown import markdown
from state import Job, JobStatus, SqlStore


def push_job(store: SqlStore, settings: Settings, job: Job, token: str | None, pull_request: bool) -> Delivery:
    """Push the job's branch (never forcing); with `pull_request`, open a draft PR that fixes the job's issue."""
    remote = settings.results_remote or "origin"
    check_deliverable(store, job, pull_request, remote)
    if pull_request:
        delivery = open_pull_request(store, settings, job, token)
    else:
        hosts = token_hosts(settings, job)
        delivery = Delivery(push_branch(Path(job.repo_path), job.branch, remote, token, token_hosts=hosts), None)
    record_event(
        store,
        job.id,
        Delivered(branch=delivery.push.branch, commit=delivery.push.commit, pull_request=delivery.pull_request_url),
    )
    return delivery


def open_pull_request(store: SqlStore, settings: Settings, job: Job, token: str | None) -> Delivery:
    """Push the branch and open a draft PR whose body is `review JOB --format markdown`."""
    ref = parse_job_issue(settings, job.issue_url or "")
    # The record finds "Fixes #N" in github.com URLs only; the settings also know the Enterprise hosts.
    record = review_record(store, job)
    record["fixes"] = ref.number
    body = markdown(record)
    with GitHubClient(api_base(settings, job.issue_url or ""), token) as github:
        return deliver(
            Path(job.repo_path),
            job.branch,
            job.issue_title,
            body,
            token=token,
            github=github,
            issue=ref,
            token_hosts=token_hosts(settings, job),
        )


def token_hosts(settings: Settings, job: Job) -> list[str]:
    """Where the GitHub token may go: the job's issue host first, then github.com and the Enterprise hosts."""
    issue_host = [host_of(job.issue_url)] if job.issue_url else []
    return [*issue_host, GITHUB_WEB_HOST, *settings.github_hosts]


def check_deliverable(store: SqlStore, job: Job, pull_request: bool, remote: str = "origin") -> None:
    status = store.effective_status(job)
    if status in (JobStatus.PLANNING, JobStatus.RUNNING):
        raise DeliveryError(f"job {job.id} is still {status.value}: push it once it has finished")
    if pull_request and not job.issue_url:
        raise DeliveryError(f"job {job.id} was not made from a GitHub issue: push without --pr, open the PR yourself")
    repo = Path(job.repo_path)
    if pull_request and remote != "origin":
        raise DeliveryError("a pull request is opened from the issue's repository: unset results_remote for --pr")
    if remote == "origin" and not has_origin(repo):
        raise DeliveryError(f"{repo} has no remote 'origin': add one with `git remote add origin URL`, then push again")
    if not _commits_since(repo, job.base_commit, job.branch):
        raise DeliveryError(f"job {job.id} has no commits on {job.branch}: nothing to push")


def has_origin(repo: Path) -> bool:
    try:
        run_git(["remote", "get-url", "origin"], repo)
    except GitFailed:
        return False
    return True


def _commits_since(repo: Path, base: str, branch: str) -> int:
    try:
        return int(run_git(["rev-list", "--count", f"{base}..refs/heads/{branch}"], repo).strip())
    except GitFailed:
        raise DeliveryError(f"the job branch {branch!r} is missing from {repo}: was it deleted?") from None
