"""sparkwright's command line: its commands. With `agent.compose` it is the one place that builds concrete
objects and wires them together."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from agent.cli_more import register_more
from agent.cli_queue import register_queue, requeue
from agent.compose import err, exit_code, job_settings, ready, run_job, warn
from agent.config import load_settings
from agent.engine.revise import ensure_revisable, plan_feedback_round
from agent.engine.sandbox_factory import sandbox_kind
from agent.errors import USER_ERRORS
from agent.github.client import token_from_env
from agent.github.refs import fixes_number
from agent.intake import create_job, take_in
from agent.issue import IntakeError
from agent.job_delivery import (
    check_delivery,
    check_origin_for_delivery,
    check_token_for_delivery,
    deliver_succeeded,
    print_delivery,
    push_job,
)
from agent.queue.placement import on_this_host
from agent.views import jobs as report
from agent.views.review import NoSuchStep, ReviewFormat, print_review
from agent.views.terminal import markup_safe
from state import JobStatus, SqlStore

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="An autonomous coding agent: deep planner, fast worker."
)

Opt = typer.Option
ConfigOpt = Annotated[Path | None, Opt("--config", help="Config file (TOML); default ~/.sparkwright/config.toml.")]
DbOpt = Annotated[
    str | None, Opt("--db", help="The job record: a SQLite file, or a URL (sqlite:///PATH, postgresql+psycopg://...).")
]
JsonOpt = Annotated[bool, Opt("--json", help="One JSON event per line instead of live progress.")]


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """User errors become one line on stderr and exit code 2; bugs keep their traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except USER_ERRORS as exc:
            err.print(f"[red]error:[/red] {markup_safe(exc)}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


@app.command()
@friendly
def run(
    issue_url: Annotated[
        str | None, typer.Argument(help="A GitHub issue URL: https://github.com/OWNER/REPO/issues/N.")
    ] = None,
    repo: Annotated[
        Path | None,
        Opt(
            "--repo",
            help="The git checkout to work on (never modified); default: the "
            "current directory, or for an issue URL a cached clone.",
        ),
    ] = None,
    issue: Annotated[str | None, Opt("--issue", help="The issue text.")] = None,
    issue_file: Annotated[Path | None, Opt("--issue-file", help="A file holding the issue text.")] = None,
    deep_model: Annotated[str | None, Opt(help="Planner model, provider:model.")] = None,
    fast_model: Annotated[str | None, Opt(help="Worker model, provider:model.")] = None,
    base_url: Annotated[str | None, Opt(help="OpenAI-compatible server for both models.")] = None,
    deep_base_url: Annotated[str | None, Opt(help="OpenAI-compatible server for the deep model.")] = None,
    fast_base_url: Annotated[str | None, Opt(help="OpenAI-compatible server for the fast model.")] = None,
    sandbox: Annotated[str | None, Opt(help="docker, local or auto (docker when an engine answers).")] = None,
    image: Annotated[str | None, Opt("--image", help="Docker sandbox image.")] = None,
    setup: Annotated[str | None, Opt("--setup", help="Setup command run once in a new sandbox, network on.")] = None,
    network: Annotated[bool | None, Opt("--network/--no-network", help="Network in the sandbox while working.")] = None,
    keep_sandbox: Annotated[bool | None, Opt("--keep-sandbox", help="Keep the Docker container afterwards.")] = None,
    test_command: Annotated[str | None, Opt(help="The repo's full test command.")] = None,
    quick: Annotated[
        bool, Opt("--quick", help="No planner call: the fast worker starts at once; the planner only if it is stuck.")
    ] = False,
    planned: Annotated[
        bool, Opt("--planned", help="The planner plans first (default: quick for small issues).")
    ] = False,
    push: Annotated[bool, Opt("--push", help="Push the job branch to origin if the job succeeds.")] = False,
    pr: Annotated[bool, Opt("--pr", help="Also open a draft pull request for the issue (implies --push).")] = False,
    approve_plan: Annotated[
        bool, Opt("--approve-plan", help="Wait after planning until the plan is approved (`approve`, `serve`).")
    ] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a job: plan the issue, work each step, commit each passing step on the job branch."""
    if quick and planned:
        raise IntakeError("--quick and --planned exclude each other: pass one of them")
    settings = load_settings(
        config,
        deep_model=deep_model,
        fast_model=fast_model,
        base_url=base_url,
        deep_base_url=deep_base_url,
        fast_base_url=fast_base_url,
        sandbox=sandbox,
        docker_image=image,
        setup_command=setup,
        network=network,
        keep_sandbox=keep_sandbox,
        test_command=test_command,
        mode="quick" if quick else "planned" if planned else None,
        db=db,
        push=push or pr or None,
        pull_request=pr or None,
        approve_plan=approve_plan or None,
    )
    if settings.pull_request and issue_url is None:
        raise IntakeError("--pr needs a GitHub issue URL to open the pull request against")
    check_token_for_delivery(settings)
    settings.sandbox = sandbox_kind(settings, warn)
    deep, fast = ready(settings)
    user_repo, text, branch = take_in(settings, issue_url, repo, issue, issue_file, token_from_env())
    check_origin_for_delivery(settings, user_repo.path)
    with SqlStore(settings.database) as store:
        job = create_job(store, settings, user_repo, text, branch)
        err.print(
            f"job [bold]{job.id}[/bold] on branch [bold]{markup_safe(job.branch)}[/bold] "
            f"(worktree {markup_safe(job.worktree_path)})",
            highlight=False,
        )
        if user_repo.dirty:
            err.print("note: your uncommitted changes stay in your checkout and are not part of the job", style="dim")
        finished = run_job(store, settings, job, deep, fast, as_json)
        deliver_succeeded(store, settings, finished)
    raise typer.Exit(exit_code(finished))


@app.command()
@friendly
def resume(
    job_id: Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")],
    force: Annotated[bool, Opt("--force", help="Take over a job whose lease looks stale.")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
    broker_url: Annotated[str | None, Opt("--broker-url", help="For a submitted job: the queue's broker.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Carry on an interrupted job from where it stood; finished steps are not redone. A submitted job goes
    back on the queue."""
    settings = load_settings(config, db=db, broker_url=broker_url)
    with SqlStore(settings.database) as store:
        job = store.job(job_id)
        status = store.effective_status(job)
        if status.finished:
            raise IntakeError(f"job {job.id} has {status.value}: nothing to resume (see `sparkwright show {job.id}`)")
        if status == JobStatus.AWAITING_APPROVAL:
            raise IntakeError(f"job {job.id} waits for its plan's approval: `sparkwright approve {job.id}` first")
        if job.queued_at:
            requeue(settings, store, job)
            return
        settings = job_settings(settings, job)
        check_delivery(settings, Path(job.repo_path))
        finished = run_job(store, settings, job, *ready(settings), as_json, force=force)
        deliver_succeeded(store, settings, finished)
    raise typer.Exit(exit_code(finished))


@app.command()
@friendly
def jobs(config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List jobs with status, age and branch."""
    with SqlStore(load_settings(config, db=db).database) as store:
        report.print_jobs(store, as_json)


@app.command()
@friendly
def show(job_id: str, config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The whole story of a job: plan and revisions, steps, attempts, escalations, events, cost."""
    with SqlStore(load_settings(config, db=db).database) as store:
        report.print_show(store, store.job(job_id), as_json)


@app.command()
@friendly
def steer(job_id: str, message: str, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Send guidance to a running job; the worker or planner reads it at its next turn."""
    if not message.strip():
        raise IntakeError("the message is empty: say what the job should do differently")
    with SqlStore(load_settings(config, db=db).database) as store:
        job = store.job(job_id)
        if store.effective_status(job).finished:
            raise IntakeError(
                f"job {job.id} has finished: use `sparkwright revise {job.id} MESSAGE` for follow-up work"
            )
        store.add_steering(job.id, message)
    err.print(f"queued for job {job.id}")


@app.command(name="push")
@friendly
def push_command(
    job_id: Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")],
    pr: Annotated[bool, Opt("--pr", help="Also open a draft pull request for the job's issue.")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Push a finished job's branch to its repo's origin (never forcing); --pr opens a draft pull request."""
    settings = load_settings(config, db=db)
    with SqlStore(settings.database) as store:
        job = on_this_host(store, settings, store.job(job_id), token_from_env())
        print_delivery(push_job(store, settings, job, token_from_env(), pr))


@app.command()
@friendly
def review(
    job_id: Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")],
    fmt: Annotated[
        ReviewFormat, Opt("--format", help="text, markdown (a pull-request body) or json.")
    ] = ReviewFormat.TEXT,
    step: Annotated[
        int | None,
        Opt(
            "--step",
            help="Only step K, numbered as `review` lists them (1-based, in plan "
            "order): its diff and its attempts in short.",
        ),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Review a job: outcome, plan and revisions, steps with commits and checks, the diff, cost, doubts."""
    settings = load_settings(config, db=db)
    with SqlStore(settings.database) as store:
        try:
            job = on_this_host(store, settings, store.job(job_id), token_from_env())
            print_review(store, job, fmt, Console(), step, fixes=fixes_number(job.issue_url))
        except NoSuchStep as exc:
            raise typer.BadParameter(str(exc), param_hint="--step") from None


@app.command()
@friendly
def revise(
    job_id: Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")],
    feedback: Annotated[str, typer.Argument(help="The reviewer's comments: what to change on the branch.")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rework a finished job from review feedback: follow-up steps, new commits on top of the branch."""
    settings = load_settings(config, db=db)
    if not feedback.strip():
        raise IntakeError("the feedback is empty: say what should change")
    with SqlStore(settings.database) as store:
        job = store.job(job_id)
        ensure_revisable(store, job)
        settings = job_settings(settings, job)
        check_delivery(settings, Path(job.repo_path))
        finished = run_job(
            store, settings, job, *ready(settings), as_json, prepare=lambda ctx: plan_feedback_round(ctx, feedback)
        )
        deliver_succeeded(store, settings, finished)
    raise typer.Exit(exit_code(finished))


register_more(app, friendly)
register_queue(app, friendly)


def main() -> None:
    app()
