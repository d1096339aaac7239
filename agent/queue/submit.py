"""`submit`: jobs recorded as queued and put on the broker, for workers on any host (and `resume` putting a
submitted job back). Everything a job needs is read first (issues, remote heads); a job is recorded only once
it can be queued, so a failure leaves none."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from celery import Celery

from agent.config import Settings
from agent.github.client import GitHubClient, token_from_env
from agent.github.clones import cache_path
from agent.github.delivery import issue_branch_name
from agent.github.intake import api_base, issue_text, parse_job_issue
from agent.intake import job_fields
from agent.issue import IntakeError, IssueText, read_issue, slugify
from agent.queue.app import QueueError, connected_app, enqueue
from agent.repo import GitFailed, run_git, safe_url, unused_branch
from state import Job, JobStatus, SqlStore
from state.models import utcnow


@dataclass(frozen=True)
class Submission:
    """One job to queue: where its repository comes from, its base there, its issue and branch."""

    repo_url: str
    base: str
    issue: IssueText
    branch: str | None = None
    """None: sparkwright/<slug of the title>-<job id>."""


def read_submissions(
    settings: Settings,
    urls: list[str],
    from_file: Path | None,
    repo_url: str | None,
    issue: str | None,
    issue_file: Path | None,
) -> list[Submission]:
    """`submit`'s jobs: one per issue URL (given or read from `from_file`), or one from `repo_url` and its issue."""
    urls = urls + (read_batch(from_file) if from_file else [])
    if repo_url and urls:
        raise IntakeError("pass issue URLs or --repo-url with --issue, not both")
    token = token_from_env()
    if repo_url:
        return [from_repo_url(repo_url, read_issue(issue, issue_file), token)]
    if issue is not None or issue_file is not None:
        raise IntakeError("--issue/--issue-file need --repo-url: the git URL workers clone")
    if not urls:
        raise IntakeError("nothing to submit: pass issue URLs, --from-file FILE, or --repo-url URL --issue TEXT")
    return [from_issue_url(settings, url, token) for url in urls]


def queue_one(store: SqlStore, settings: Settings, app: Celery, submission: Submission) -> Job:
    """The job recorded, then put on the broker; a job the broker refuses is deleted, so none is left unqueued."""
    job = record_queued(store, settings, submission)
    try:
        enqueue(app, job.id)
    except Exception as exc:
        store.delete_queued_job(job.id)
        raise QueueError(f"the broker refused job {job.id} ({type(exc).__name__}: {exc}): submit it again") from None
    return job


def requeue(settings: Settings, store: SqlStore, job: Job) -> None:
    """`resume` of a submitted job: back on the queue, for whichever worker takes it."""
    app = connected_app(settings)
    store.update_job(job.id, stop_requested_at=None)
    if JobStatus(job.status) == JobStatus.INTERRUPTED and not job.lease_owner and not store.steps(job.id):
        store.update_job(job.id, status=JobStatus.QUEUED.value)
    enqueue(app, job.id)


def from_issue_url(settings: Settings, url: str, token: str | None) -> Submission:
    ref = parse_job_issue(settings, url)
    with GitHubClient(api_base(settings, url), token) as github:
        issue = github.fetch_issue(ref)
        repository = github.get_repo(ref)
    heads = remote_heads(repository.clone_url, token)
    base = heads.get(f"refs/heads/{repository.default_branch}") or heads.get("HEAD")
    if base is None:
        raise IntakeError(f"{safe_url(repository.clone_url)} has no branch {repository.default_branch!r} to start from")
    taken = {head.removeprefix("refs/heads/") for head in heads if head.startswith("refs/heads/")}
    branch = unused_branch(issue_branch_name(ref.number, issue.title), taken)
    return Submission(repository.clone_url, base, issue_text(issue, url), branch)


def from_repo_url(repo_url: str, issue: IssueText, token: str | None) -> Submission:
    heads = remote_heads(repo_url, token)
    if "HEAD" not in heads:
        raise IntakeError(f"{safe_url(repo_url)} has no commits to start from: push one first")
    return Submission(repo_url, heads["HEAD"], issue)


def remote_heads(url: str, token: str | None) -> dict[str, str]:
    """The remote's refs (`HEAD`, `refs/heads/…`) and their commits, read without cloning."""
    cache_path(url, Path("/"))  # a URL a worker could not clone into its cache is refused here
    with tempfile.TemporaryDirectory() as empty:
        try:
            listing = run_git(["ls-remote", "--", url], Path(empty), url=url, token=token)
        except GitFailed as exc:
            hint = "" if token else " (for a private repository, set GITHUB_TOKEN)"
            raise IntakeError(f"cannot read {safe_url(url)}: {exc.reason}{hint}") from None
    return {ref: sha for sha, _, ref in (line.partition("\t") for line in listing.splitlines()) if ref}


def record_queued(store: SqlStore, settings: Settings, submission: Submission) -> Job:
    """The job's row, queued: no worktree yet, the worker that takes it makes one on its host."""
    fields = job_fields(settings, submission.issue)
    job_id = secrets.token_hex(4)
    branch = submission.branch or f"sparkwright/{slugify(fields['issue_title'])}-{job_id}"
    if submission.branch and any(j.branch == branch and j.repo_url == submission.repo_url for j in store.jobs()):
        branch = f"{branch}-{job_id}"  # a second job on the same issue never shares the first one's branch
    return store.create_job(
        id=job_id,
        status=JobStatus.QUEUED.value,
        repo_path="",
        repo_url=submission.repo_url,
        queued_at=utcnow(),
        base_commit=submission.base,
        branch=branch,
        worktree_path="",
        **fields,
    )


def read_batch(path: Path) -> list[str]:
    """Issue URLs, one per line; blank lines and `#` comments skipped."""
    try:
        lines = path.expanduser().read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise IntakeError(f"cannot read the batch file {path} ({exc}): pass a text file of issue URLs") from None
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        raise IntakeError(f"{path} holds no issue URL: one URL per line")
    return urls
