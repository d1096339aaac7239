"""The commands around a job that waits or is watched: `approve`, `reject` and `serve`. Registered on the
CLI's app by `agent.cli` (kept apart so that module stays small)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.compose import err, exit_code, job_settings, ready, run_job
from agent.config import load_settings
from agent.engine.approval import APPROVED, ensure_awaiting, read_edit, record_approval, reject
from agent.engine.runner import leased
from agent.issue import IntakeError
from agent.job_delivery import check_delivery, deliver_succeeded
from agent.web.server import serve_web
from state import SqlStore

Opt = typer.Option
ConfigOpt = Annotated[Path | None, Opt("--config", help="Config file (TOML); default ~/.sparkwright/config.toml.")]
DbOpt = Annotated[
    str | None, Opt("--db", help="The job record: a SQLite file, or a URL (sqlite:///PATH, postgresql+psycopg://...).")
]
JsonOpt = Annotated[bool, Opt("--json", help="One JSON event per line instead of live progress.")]
JobArg = Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")]


def approve(
    job_id: JobArg,
    edit: Annotated[
        Path | None,
        Opt(
            "--edit",
            help='A JSON file of steps replacing the pending ones: {"steps": [{"title", "instructions", '
            '"files", "check"}]}.',
        ),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a job's plan (optionally edited) and carry on the job from where it waits."""
    settings = load_settings(config, db=db)
    edited = read_edit(edit) if edit else None
    with SqlStore(settings.database) as store:
        job = store.job(job_id)
        ensure_awaiting(store, job)
        settings = job_settings(settings, job)
        check_delivery(settings, Path(job.repo_path))
        finished = run_job(
            store,
            settings,
            job,
            *ready(settings),
            as_json,
            prepare=lambda ctx: record_approval(ctx, edited),
            answer=APPROVED,
        )
        deliver_succeeded(store, settings, finished)
    raise typer.Exit(exit_code(finished))


def reject_command(
    job_id: JobArg,
    why: Annotated[str, typer.Argument(help="Why the plan is rejected; kept as the job's outcome.")],
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Reject a job's plan: the job ends as failed with your reason, nothing worked."""
    if not why.strip():
        raise IntakeError('say why the plan is rejected: `sparkwright reject JOB "why"`')
    with SqlStore(load_settings(config, db=db).database) as store:
        job = store.job(job_id)
        with leased(store, job.id):
            reject(store, store.job(job.id), why)
    err.print(f"job {job.id}: plan rejected")


def serve(
    host: Annotated[
        str, Opt("--host", help="Address to listen on; anything but loopback needs a token.")
    ] = "127.0.0.1",
    port: Annotated[int, Opt("--port", help="Port to listen on.")] = 8421,
    token: Annotated[
        str | None,
        Opt("--token", envvar="SPARKWRIGHT_SERVE_TOKEN", help="Token the page asks for (made up when off loopback)."),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Watch, steer, approve and review jobs in the browser: a local web app over the job record."""
    settings = load_settings(config, db=db)
    serve_web(settings, host, port, token, config)


def register_more(app: typer.Typer, friendly: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    app.command()(friendly(approve))
    app.command(name="reject")(friendly(reject_command))
    app.command()(friendly(serve))
