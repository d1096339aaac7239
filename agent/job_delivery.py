"""Delivering a finished job as it asked: what `--push`/`--pr` need, checked before the job starts; its branch
pushed to `origin`, and optionally a draft PR whose body is its review. This is where `agent.github` (the push,
the API) and `agent.views` (the review as Markdown) meet, so neither has to import the other."""

from __future__ import annotations

from pathlib import Path

from agent.config import Settings
from agent.github.client import GitHubClient, token_from_env
from agent.github.delivery import Delivery, DeliveryError, deliver, push_branch
from agent.github.intake import api_base, parse_job_issue
from agent.github.refs import GITHUB_WEB_HOST, host_of
from agent.record import Delivered, read_events, record_event
from agent.repo import GitFailed, run_git
from agent.views.review_data import review_record
from agent.views.review_markdown import markdown
from agent.views.terminal import err, markup_safe
from state import Job, JobStatus, SqlStore


def check_delivery(settings: Settings, repo: Path) -> None:
    """What --push/--pr will need at the end, checked before the job starts."""
    check_token_for_delivery(settings)
    check_origin_for_delivery(settings, repo)


def check_token_for_delivery(settings: Settings) -> None:
    if settings.pull_request and not token_from_env():
        raise DeliveryError(
            "--pr needs a GitHub token to open the pull request: export GITHUB_TOKEN (or GH_TOKEN), or run without --pr"
        )


def check_origin_for_delivery(settings: Settings, repo: Path) -> None:
    if (settings.push or settings.pull_request) and not settings.results_remote and not has_origin(repo):
        raise DeliveryError(
            f"--push needs a remote 'origin' in {repo}: add one with `git remote add origin URL`, or run without --push"
        )


def deliver_succeeded(store: SqlStore, settings: Settings, job: Job) -> None:
    """Push (and open the pull request) as the job was asked to, once it has succeeded."""
    if not (settings.push or settings.pull_request):
        return
    if job.status != JobStatus.SUCCEEDED.value:
        err.print(
            f"not pushed: the job did not succeed (push it anyway with `sparkwright push {job.id}`)",
            style="yellow",
            highlight=False,
            soft_wrap=True,
        )
        return
    # A revised job's pull request is already open: pushing the branch updates it.
    pull_request = settings.pull_request and not pull_request_opened(store, job)
    print_delivery(push_job(store, settings, job, token_from_env(), pull_request))


def pull_request_opened(store: SqlStore, job: Job) -> bool:
    return any(r.event.pull_request for r in read_events(store, job.id, Delivered))


def print_delivery(delivery: Delivery) -> None:
    pushed = delivery.push
    state = "already up to date" if pushed.up_to_date else f"pushed {pushed.commit[:7]}"
    err.print(f"{markup_safe(pushed.branch)}: {state} on origin", highlight=False, soft_wrap=True)
    if delivery.pull_request_url:
        err.print(f"draft pull request: {markup_safe(delivery.pull_request_url)}", highlight=False, soft_wrap=True)


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
    body = markdown(review_record(store, job, fixes=ref.number))
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
