"""Delivering a finished job: its branch pushed to `origin`, and optionally a draft PR described from the record."""

from __future__ import annotations

from pathlib import Path

from agent.config import Settings
from agent.delivery import Delivery, DeliveryError, DeliveryReport, StepRecord, Verification, deliver
from agent.github import GitHubClient
from agent.intake import api_base, parse_job_issue
from agent.repo_cache import GitFailed, run_git
from state import Job, JobStatus, SqlStore, StepStatus


def push_job(store: SqlStore, settings: Settings, job: Job, token: str | None, pull_request: bool) -> Delivery:
    """Push the job's branch (never forcing); with `pull_request`, open a draft PR that fixes the job's issue."""
    check_deliverable(store, job, pull_request)
    repo = Path(job.repo_path)
    report = delivery_report(store, job)
    if not pull_request:
        delivery = deliver(repo, job.branch, report, token=token)
    else:
        ref = parse_job_issue(settings, job.issue_url or "")
        with GitHubClient(api_base(settings, job.issue_url or ""), token) as github:
            delivery = deliver(repo, job.branch, report, token=token, github=github, issue=ref)
    store.add_event(job.id, "delivered", {"branch": delivery.push.branch, "commit": delivery.push.commit,
                                         "pull_request": delivery.pull_request_url})
    return delivery


def check_deliverable(store: SqlStore, job: Job, pull_request: bool) -> None:
    status = store.effective_status(job)
    if status in (JobStatus.PLANNING, JobStatus.RUNNING):
        raise DeliveryError(f"job {job.id} is still {status.value}: push it once it has finished")
    if pull_request and not job.issue_url:
        raise DeliveryError(f"job {job.id} was not made from a GitHub issue: push without --pr, open the PR yourself")
    repo = Path(job.repo_path)
    if not _has_origin(repo):
        raise DeliveryError(f"{repo} has no remote 'origin': add one with `git remote add origin URL`, then push again")
    if not _commits_since(repo, job.base_commit, job.branch):
        raise DeliveryError(f"job {job.id} has no commits on {job.branch}: nothing to push")


def delivery_report(store: SqlStore, job: Job) -> DeliveryReport:
    steps = [StepRecord(s.title, s.commit_sha) for s in store.steps(job.id) if s.status == StepStatus.DONE.value]
    return DeliveryReport(title=job.issue_title, issue_number=_issue_number(job), plan_summary=job.plan_summary or "",
                          steps=steps, verifications=_verifications(store, job.id), job_id=job.id)


def _issue_number(job: Job) -> int | None:
    """The issue number from the stored URL (…/issues/N); None for a job from plain text."""
    tail = (job.issue_url or "").rstrip("/").rsplit("/", 2)
    return int(tail[2]) if len(tail) == 3 and tail[1] == "issues" and tail[2].isdigit() else None


def _verifications(store: SqlStore, job_id: str) -> list[Verification]:
    runs = [e.payload for e in store.events(job_id, kinds=["test_run"]) if e.payload.get("command")]
    if not runs:
        return []
    last = runs[-1]
    lines = [line for line in (last.get("output") or "").splitlines() if line.strip()]
    return [Verification(last["command"], bool(last.get("passed")), lines[-1] if lines else "")]


def _has_origin(repo: Path) -> bool:
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
