"""sparkwright's command line: the one place that builds concrete objects and wires them together."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer
from langgraph.checkpoint.sqlite import SqliteSaver
from rich.console import Console

from agent.config import Settings, load_settings, stored_settings
from agent.engine.context import JobContext
from agent.engine.graph import build_graph
from agent.engine.recorder import Recorder
from agent.engine.revise import ensure_revisable, plan_feedback_round
from agent.engine.runner import execute, leased
from agent.engine.sandbox_factory import open_sandbox, preflight, sandbox_kind
from agent.errors import USER_ERRORS
from agent.github.client import token_from_env
from agent.github.delivery import Delivery, DeliveryError
from agent.github.job_delivery import has_origin, push_job
from agent.intake import create_job, take_in
from agent.issue import IntakeError
from agent.models.llm import LLM, ModelConfigError, check_reachable, make_chat_model, split_spec
from agent.repo import Workspace
from agent.views import jobs as report
from agent.views.progress import JsonLines, LiveProgress
from agent.views.review import NoSuchStep, ReviewFormat, print_review
from agent.views.terminal import markup_safe
from sandbox.confined import WorkspaceView
from state import Job, JobStatus, SqlStore

app = typer.Typer(no_args_is_help=True, add_completion=False, help="An autonomous coding agent: deep planner, fast worker.")
err = Console(stderr=True)
NO_MODEL = ("no model configured: set SPARKWRIGHT_DEEP_MODEL and SPARKWRIGHT_FAST_MODEL (e.g. openai:gpt-4.1 with "
            "OPENAI_API_KEY, or openai-compatible:NAME with --base-url http://localhost:8080/v1) — see README")

Opt = typer.Option
ConfigOpt = Annotated[Path | None, Opt("--config", help="Config file (TOML); default ~/.sparkwright/config.toml.")]
DbOpt = Annotated[Path | None, Opt("--db", help="SQLite file of the job record.")]
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
    issue_url: Annotated[str | None, typer.Argument(
        help="A GitHub issue URL: https://github.com/OWNER/REPO/issues/N.")] = None,
    repo: Annotated[Path | None, Opt("--repo", help="The git checkout to work on (never modified); default: the "
                                        "current directory, or for an issue URL a cached clone.")] = None,
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
    push: Annotated[bool, Opt("--push", help="Push the job branch to origin if the job succeeds.")] = False,
    pr: Annotated[bool, Opt("--pr", help="Also open a draft pull request for the issue (implies --push).")] = False,
    config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Run a job: plan the issue, work each step, commit each passing step on the job branch."""
    settings = load_settings(config, deep_model=deep_model, fast_model=fast_model, base_url=base_url,
                             deep_base_url=deep_base_url, fast_base_url=fast_base_url, sandbox=sandbox,
                             docker_image=image, setup_command=setup, network=network, keep_sandbox=keep_sandbox,
                             test_command=test_command, db=db, push=push or pr or None, pull_request=pr or None)
    if settings.pull_request and issue_url is None:
        raise IntakeError("--pr needs a GitHub issue URL to open the pull request against")
    check_token_for_delivery(settings)
    settings.sandbox = sandbox_kind(settings, warn)
    deep, fast = ready(settings)
    user_repo, text, branch = take_in(settings, issue_url, repo, issue, issue_file, token_from_env())
    check_origin_for_delivery(settings, user_repo.path)
    with SqlStore(settings.db_path) as store:
        job = create_job(store, settings, user_repo, text, branch)
        err.print(f"job [bold]{job.id}[/bold] on branch [bold]{markup_safe(job.branch)}[/bold] "
                  f"(worktree {markup_safe(job.worktree_path)})", highlight=False)
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
    config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Carry on an interrupted job from where it stood; finished steps are not redone."""
    settings = load_settings(config, db=db)
    with SqlStore(settings.db_path) as store:
        job = store.job(job_id)
        status = store.effective_status(job)
        if status.finished:
            raise IntakeError(f"job {job.id} has {status.value}: nothing to resume (see `sparkwright show {job.id}`)")
        settings = job_settings(settings, job)
        check_delivery(settings, Path(job.repo_path))
        finished = run_job(store, settings, job, *ready(settings), as_json, force=force)
        deliver_succeeded(store, settings, finished)
    raise typer.Exit(exit_code(finished))


@app.command()
@friendly
def jobs(config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List jobs with status, age and branch."""
    with SqlStore(load_settings(config, db=db).db_path) as store:
        report.print_jobs(store, as_json)


@app.command()
@friendly
def show(job_id: str, config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The whole story of a job: plan and revisions, steps, attempts, escalations, events, cost."""
    with SqlStore(load_settings(config, db=db).db_path) as store:
        report.print_show(store, store.job(job_id), as_json)


@app.command()
@friendly
def steer(job_id: str, message: str, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Send guidance to a running job; the worker or planner reads it at its next turn."""
    if not message.strip():
        raise IntakeError("the message is empty: say what the job should do differently")
    with SqlStore(load_settings(config, db=db).db_path) as store:
        job = store.job(job_id)
        if store.effective_status(job).finished:
            raise IntakeError(f"job {job.id} has finished: use `sparkwright revise {job.id} MESSAGE` for follow-up work")
        store.add_steering(job.id, message)
    err.print(f"queued for job {job.id}")


@app.command(name="push")
@friendly
def push_command(
    job_id: Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")],
    pr: Annotated[bool, Opt("--pr", help="Also open a draft pull request for the job's issue.")] = False,
    config: ConfigOpt = None, db: DbOpt = None,
) -> None:
    """Push a finished job's branch to its repo's origin (never forcing); --pr opens a draft pull request."""
    settings = load_settings(config, db=db)
    with SqlStore(settings.db_path) as store:
        print_delivery(push_job(store, settings, store.job(job_id), token_from_env(), pr))


def job_settings(current: Settings, job: Job) -> Settings:
    """The settings the job was started with (models, sandbox, budgets), in today's home and DB."""
    return stored_settings(job.settings, home=current.home, db=current.db_path)


def ready(settings: Settings) -> tuple[LLM, LLM]:
    """Models built and the sandbox checked, before anything is recorded: one-line errors otherwise."""
    models = build_models(settings)
    if settings.sandbox == "docker":
        preflight(settings)
    return models


def build_models(settings: Settings) -> tuple[LLM, LLM]:
    if not settings.deep_model or not settings.fast_model:
        raise ModelConfigError(NO_MODEL)
    models = []
    for tier, spec, url in (("deep", settings.deep_model, settings.deep_base_url or settings.base_url),
                            ("fast", settings.fast_model, settings.fast_base_url or settings.base_url)):
        chat = make_chat_model(spec, url)
        if url and split_spec(spec)[0] != "scripted":
            check_reachable(url)
        models.append(LLM(tier, spec, chat))
    return models[0], models[1]


def check_delivery(settings: Settings, repo: Path) -> None:
    """What --push/--pr will need at the end, checked before the job starts."""
    check_token_for_delivery(settings)
    check_origin_for_delivery(settings, repo)


def check_token_for_delivery(settings: Settings) -> None:
    if settings.pull_request and not token_from_env():
        raise DeliveryError("--pr needs a GitHub token to open the pull request: export GITHUB_TOKEN (or GH_TOKEN), "
                            "or run without --pr")


def check_origin_for_delivery(settings: Settings, repo: Path) -> None:
    if (settings.push or settings.pull_request) and not has_origin(repo):
        raise DeliveryError(f"--push needs a remote 'origin' in {repo}: add one with `git remote add origin URL`, "
                            "or run without --push")


def deliver_succeeded(store: SqlStore, settings: Settings, job: Job) -> None:
    """Push (and open the pull request) as the job was asked to, once it has succeeded."""
    if not (settings.push or settings.pull_request):
        return
    if job.status != JobStatus.SUCCEEDED.value:
        err.print(f"not pushed: the job did not succeed (push it anyway with `sparkwright push {job.id}`)",
                  style="yellow", highlight=False, soft_wrap=True)
        return
    # A revised job's pull request is already open: pushing the branch updates it.
    pull_request = settings.pull_request and not pull_request_opened(store, job)
    print_delivery(push_job(store, settings, job, token_from_env(), pull_request))


def pull_request_opened(store: SqlStore, job: Job) -> bool:
    return any(e.payload.get("pull_request") for e in store.events(job.id, kinds=["delivered"]))


def print_delivery(delivery: Delivery) -> None:
    pushed = delivery.push
    state = "already up to date" if pushed.up_to_date else f"pushed {pushed.commit[:7]}"
    err.print(f"{markup_safe(pushed.branch)}: {state} on origin", highlight=False, soft_wrap=True)
    if delivery.pull_request_url:
        err.print(f"draft pull request: {markup_safe(delivery.pull_request_url)}", highlight=False, soft_wrap=True)


def run_job(store: SqlStore, settings: Settings, job: Job, deep: LLM, fast: LLM, as_json: bool,
            force: bool = False, prepare: Callable[[JobContext], None] | None = None) -> Job:
    with ExitStack() as stack:
        stack.enter_context(leased(store, job.id, force))
        workspace = Workspace.ensure(Path(job.repo_path), Path(job.worktree_path), job.branch, job.base_commit)
        listeners = []
        if as_json:
            listeners.append(JsonLines())
        else:
            listeners.append(stack.enter_context(LiveProgress(store, job.id)))
        sandbox = stack.enter_context(open_sandbox(settings, store, job, workspace, warn))
        saver = stack.enter_context(SqliteSaver.from_conn_string(str(settings.db_path)))
        recorder = stack.enter_context(Recorder(store, job.id, listeners))
        ctx = JobContext(store, settings, job, workspace, sandbox, WorkspaceView(workspace.path), deep, fast,
                         recorder)
        with interruptible():
            if prepare:
                prepare(ctx)
            finished = execute(ctx, build_graph(saver))
    report.print_outcome(finished, store)
    return finished


@contextmanager
def interruptible() -> Iterator[None]:
    """The first Ctrl-C stops the job gracefully (KeyboardInterrupt is turned into an interrupted job);
    a second one, at any moment after, exits at once: the lease dies with the process."""
    def second(_sig: int, _frame: Any) -> None:
        sys.stderr.write("\nstopped\n")
        os._exit(130)

    def first(_sig: int, _frame: Any) -> None:
        signal.signal(signal.SIGINT, second)
        err.print("\ninterrupting: saving state (Ctrl-C again to quit at once)")
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is first:
            signal.signal(signal.SIGINT, previous)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {markup_safe(message)}", highlight=False, soft_wrap=True)


def exit_code(job: Job) -> int:
    return {JobStatus.SUCCEEDED.value: 0, JobStatus.INTERRUPTED.value: 130}.get(job.status, 1)


@app.command()
@friendly
def review(
    job_id: Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")],
    fmt: Annotated[ReviewFormat, Opt("--format", help="text, markdown (a pull-request body) or json.")] = ReviewFormat.TEXT,
    step: Annotated[int | None, Opt("--step", help="Only step K, numbered as `review` lists them (1-based, in plan "
                                       "order): its diff and its attempts in short.")] = None,
    config: ConfigOpt = None, db: DbOpt = None,
) -> None:
    """Review a job: outcome, plan and revisions, steps with commits and checks, the diff, cost, doubts."""
    with SqlStore(load_settings(config, db=db).db_path) as store:
        try:
            print_review(store, store.job(job_id), fmt, Console(), step)
        except NoSuchStep as exc:
            raise typer.BadParameter(str(exc), param_hint="--step") from None


@app.command()
@friendly
def revise(
    job_id: Annotated[str, typer.Argument(help="The job's id (or a unique prefix).")],
    feedback: Annotated[str, typer.Argument(help="The reviewer's comments: what to change on the branch.")],
    config: ConfigOpt = None, db: DbOpt = None, as_json: JsonOpt = False,
) -> None:
    """Rework a finished job from review feedback: follow-up steps, new commits on top of the branch."""
    settings = load_settings(config, db=db)
    if not feedback.strip():
        raise IntakeError("the feedback is empty: say what should change")
    with SqlStore(settings.db_path) as store:
        job = store.job(job_id)
        ensure_revisable(store, job)
        settings = job_settings(settings, job)
        check_delivery(settings, Path(job.repo_path))
        finished = run_job(store, settings, job, *ready(settings), as_json,
                           prepare=lambda ctx: plan_feedback_round(ctx, feedback))
        deliver_succeeded(store, settings, finished)
    raise typer.Exit(exit_code(finished))


def main() -> None:
    app()
