"""The commands of the job queue: `submit` jobs from anywhere, run them on any host with `worker`, `stop` one
wherever it runs. Registered on the CLI's app by `agent.cli`."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.cli_more import ConfigOpt, DbOpt
from agent.compose import err, no_model
from agent.config import ConfigError, Settings, load_settings
from agent.errors import UserError
from agent.github.client import token_from_env
from agent.issue import IntakeError, read_issue
from agent.models.llm import ModelConfigError
from agent.queue.app import QUEUE, enqueue, make_app
from agent.queue.submit import Submission, from_issue_url, from_repo_url, read_batch, record_queued
from agent.repo import safe_url
from state import Job, JobStatus, SqlStore

Opt = typer.Option
BrokerOpt = Annotated[str | None, Opt("--broker-url", help="Celery broker: redis://HOST:6379/0 or amqp://….")]


class QueueError(UserError):
    """The queue cannot be reached or used; the message says what to do."""


def submit(
    issue_urls: Annotated[list[str] | None, typer.Argument(help="GitHub issue URLs, one job each.")] = None,
    from_file: Annotated[Path | None, Opt("--from-file", help="A file of issue URLs, one per line.")] = None,
    repo_url: Annotated[str | None, Opt("--repo-url", help="A git URL to clone, for --issue/--issue-file.")] = None,
    issue: Annotated[str | None, Opt("--issue", help="The issue text (with --repo-url).")] = None,
    issue_file: Annotated[Path | None, Opt("--issue-file", help="A file holding the issue text.")] = None,
    deep_model: Annotated[str | None, Opt(help="Planner model, provider:model.")] = None,
    fast_model: Annotated[str | None, Opt(help="Worker model, provider:model.")] = None,
    base_url: Annotated[str | None, Opt(help="OpenAI-compatible server for both models, as workers reach it.")] = None,
    test_command: Annotated[str | None, Opt(help="The repo's full test command.")] = None,
    push: Annotated[bool, Opt("--push", help="Push the job branch to origin if the job succeeds.")] = False,
    pr: Annotated[bool, Opt("--pr", help="Also open a draft pull request for the issue (implies --push).")] = False,
    results_remote: Annotated[
        str | None, Opt("--results-remote", help="Push the branches to this git URL instead of origin.")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    broker_url: BrokerOpt = None,
) -> None:
    """Queue jobs for workers on any host and print their ids at once: issue URLs (or a file of them), or a
    repository's git URL with the issue text."""
    settings = load_settings(
        config,
        db=db,
        broker_url=broker_url,
        deep_model=deep_model,
        fast_model=fast_model,
        base_url=base_url,
        test_command=test_command,
        push=push or pr or None,
        pull_request=pr or None,
        results_remote=results_remote,
    )
    if settings.pull_request and settings.results_remote:
        raise IntakeError("--pr opens the pull request from the issue's repository: leave out --results-remote")
    if settings.approve_plan:
        raise IntakeError("submitted jobs run unattended: set approve_plan off, or use `run --approve-plan`")
    ready_models(settings)
    submissions = read_submissions(settings, issue_urls or [], from_file, repo_url, issue, issue_file)
    app = connected_app(settings)
    with SqlStore(settings.database) as store:
        for submission in submissions:
            job = queue_one(store, settings, app, submission)
            typer.echo(job.id)
    err.print(f"queued {len(submissions)} job(s) on {safe_url(settings.broker_url or '')}", highlight=False)


def ready_models(settings: Settings) -> None:
    """The models must be named; they are built on the workers' hosts, where their keys live."""
    if not settings.deep_model or not settings.fast_model:
        raise ModelConfigError(no_model(settings))


def read_submissions(
    settings: Settings,
    urls: list[str],
    from_file: Path | None,
    repo_url: str | None,
    issue: str | None,
    issue_file: Path | None,
) -> list[Submission]:
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


def connected_app(settings: Settings) -> Any:
    if not settings.broker_url:
        raise ConfigError("no broker: pass --broker-url redis://HOST:6379/0 or set SPARKWRIGHT_BROKER_URL")
    app = make_app(settings)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:  # kombu raises the transport's own errors
        raise QueueError(
            f"cannot reach the broker at {safe_url(settings.broker_url)} ({type(exc).__name__}): "
            "start it, or fix --broker-url"
        ) from None
    return app


def queue_one(store: SqlStore, settings: Settings, app: Any, submission: Submission) -> Job:
    job = record_queued(store, settings, submission)
    try:
        enqueue(app, job.id)
    except Exception as exc:
        store.delete_queued_job(job.id)
        raise QueueError(f"the broker refused job {job.id} ({type(exc).__name__}: {exc}): submit it again") from None
    return job


def worker(
    concurrency: Annotated[int | None, Opt("--concurrency", "-c", help="Jobs this worker runs at once.")] = None,
    beat: Annotated[
        bool, Opt("--beat/--no-beat", help="Also run the sweep that resumes jobs of dead workers (safe on every one).")
    ] = True,
    config: ConfigOpt = None,
    db: DbOpt = None,
    broker_url: BrokerOpt = None,
) -> None:
    """Run queued jobs on this host, each in its own sandbox. Ctrl-C waits for the running jobs to end; a second
    Ctrl-C stops them at once, and the sweep hands them to other workers."""
    settings = load_settings(config, db=db, broker_url=broker_url, worker_concurrency=concurrency)
    SqlStore(settings.database).close()  # an unreachable or foreign record fails here, in one line
    app = connected_app(settings)
    name = f"sparkwright-{os.getpid()}@{socket.gethostname()}"
    argv = ["worker", "-Q", QUEUE, "-c", str(settings.worker_concurrency), "-n", name, "--loglevel", "INFO"]
    app.worker_main(argv + (["-B"] if beat else []))


def stop(job_id: str, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Stop a job wherever it runs: it stops at its next heartbeat (seconds), resumable with `resume`."""
    with SqlStore(load_settings(config, db=db).database) as store:
        job = store.job(job_id)
        status = store.effective_status(job)
        if status not in (JobStatus.QUEUED, JobStatus.PLANNING, JobStatus.RUNNING):
            raise IntakeError(f"job {job.id} is not running ({status.value})")
        store.request_stop(job.id)
        if status == JobStatus.QUEUED:
            store.update_job(job.id, status=JobStatus.INTERRUPTED.value, outcome_reason="stopped before it started")
    err.print(f"job {job.id}: asked to stop; `sparkwright resume {job.id}` carries it on")


def requeue(settings: Settings, store: SqlStore, job: Job) -> None:
    """`resume` of a submitted job: back on the queue, for whichever worker takes it."""
    app = connected_app(settings)
    store.update_job(job.id, stop_requested_at=None)
    if JobStatus(job.status) == JobStatus.INTERRUPTED and not job.lease_owner and not store.steps(job.id):
        store.update_job(job.id, status=JobStatus.QUEUED.value)
    enqueue(app, job.id)
    err.print(f"job {job.id}: queued to resume")


def register_queue(app: typer.Typer, friendly: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    app.command()(friendly(submit))
    app.command()(friendly(worker))
    app.command()(friendly(stop))
