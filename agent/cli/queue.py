"""The commands of the job queue: `submit` jobs from anywhere, run them on any host with `worker`. What they
do with the broker and the record is `agent.queue`'s; here are their options and what they print."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.options import (
    BrokerOpt,
    ConfigOpt,
    DbOpt,
    DeepModelOpt,
    FastModelOpt,
    IssueFileOpt,
    Opt,
    PrOpt,
    PushOpt,
    TestCommandOpt,
)

if TYPE_CHECKING:
    from agent.config import Settings


def submit(
    issue_urls: Annotated[list[str] | None, typer.Argument(help="GitHub issue URLs, one job each.")] = None,
    from_file: Annotated[Path | None, Opt("--from-file", help="A file of issue URLs, one per line.")] = None,
    repo_url: Annotated[str | None, Opt("--repo-url", help="A git URL to clone, for --issue/--issue-file.")] = None,
    issue: Annotated[str | None, Opt("--issue", help="The issue text (with --repo-url).")] = None,
    issue_file: IssueFileOpt = None,
    deep_model: DeepModelOpt = None,
    fast_model: FastModelOpt = None,
    base_url: Annotated[str | None, Opt(help="OpenAI-compatible server for both models, as workers reach it.")] = None,
    test_command: TestCommandOpt = None,
    push: PushOpt = False,
    pr: PrOpt = False,
    results_remote: Annotated[
        str | None, Opt("--results-remote", help="Push the branches to this git URL instead of origin.")
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    broker_url: BrokerOpt = None,
) -> None:
    """Queue jobs for workers on any host and print their ids at once: issue URLs (or a file of them), or a
    repository's git URL with the issue text."""
    from agent.config import load_settings
    from agent.issue import IntakeError
    from agent.queue.app import connected_app
    from agent.queue.submit import queue_one, read_submissions
    from agent.repo import safe_url
    from agent.views.terminal import err
    from state import SqlStore

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
        from agent.compose import no_model
        from agent.models.errors import ModelConfigError

        raise ModelConfigError(no_model(settings))


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
    from agent import heap
    from agent.config import load_settings
    from agent.queue.app import QUEUE, connected_app
    from state import SqlStore

    settings = load_settings(config, db=db, broker_url=broker_url, worker_concurrency=concurrency)
    SqlStore(settings.database).close()  # an unreachable or foreign record fails here, in one line
    app = connected_app(settings)
    name = f"sparkwright-{os.getpid()}@{socket.gethostname()}"
    argv = ["worker", "-Q", QUEUE, "-c", str(settings.worker_concurrency), "-n", name, "--loglevel", "INFO"]
    heap.settle()
    app.worker_main(argv + (["-B"] if beat else []))
