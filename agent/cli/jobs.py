"""The commands that run a job in this process, under its lease, until it ends or waits for its plan's
approval: `run` a new one, `resume` an interrupted one, `revise` a finished one from review, `approve` a
waiting plan. All four end the same way: run the job, deliver it as it asked, exit with its outcome."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from agent.cli.options import (
    ConfigOpt,
    DbOpt,
    DeepBaseUrlOpt,
    DeepModelOpt,
    FastBaseUrlOpt,
    FastModelOpt,
    ImageOpt,
    IssueFileOpt,
    JobArg,
    JsonOpt,
    KeepSandboxOpt,
    NetworkOpt,
    Opt,
    PrOpt,
    PushOpt,
    SandboxOpt,
    SetupOpt,
    TestCommandOpt,
)

if TYPE_CHECKING:
    from agent.config import Settings
    from agent.engine.context import JobContext
    from agent.models.llm import LLM
    from state import Job, SqlStore


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
    issue_file: IssueFileOpt = None,
    deep_model: DeepModelOpt = None,
    fast_model: FastModelOpt = None,
    base_url: Annotated[str | None, Opt(help="OpenAI-compatible server for both models.")] = None,
    deep_base_url: DeepBaseUrlOpt = None,
    fast_base_url: FastBaseUrlOpt = None,
    sandbox: SandboxOpt = None,
    image: ImageOpt = None,
    setup: SetupOpt = None,
    network: NetworkOpt = None,
    keep_sandbox: KeepSandboxOpt = None,
    test_command: TestCommandOpt = None,
    quick: Annotated[
        bool, Opt("--quick", help="No planner call: the fast worker starts at once; the planner only if it is stuck.")
    ] = False,
    planned: Annotated[
        bool, Opt("--planned", help="The planner plans first (default: quick for small issues).")
    ] = False,
    push: PushOpt = False,
    pr: PrOpt = False,
    approve_plan: Annotated[
        bool, Opt("--approve-plan", help="Wait after planning until the plan is approved (`approve`, `serve`).")
    ] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run a job: plan the issue, work each step, commit each passing step on the job branch."""
    from agent.compose import ready
    from agent.compose.sandboxes import sandbox_kind
    from agent.config import load_settings
    from agent.github.client import token_from_env
    from agent.intake import create_job, take_in
    from agent.issue import IntakeError
    from agent.job_delivery import check_origin_for_delivery, check_token_for_delivery
    from agent.views.terminal import err, markup_safe, warn
    from state import SqlStore

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
    models = ready(settings)
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
        run_and_deliver(store, settings, job, models, as_json)


def resume(
    job_id: JobArg,
    force: Annotated[bool, Opt("--force", help="Take over a job whose lease looks stale.")] = False,
    config: ConfigOpt = None,
    db: DbOpt = None,
    broker_url: Annotated[str | None, Opt("--broker-url", help="For a submitted job: the queue's broker.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Carry on an interrupted job from where it stood; finished steps are not redone. A submitted job goes
    back on the queue."""
    from agent.config import load_settings
    from agent.issue import IntakeError
    from agent.views.terminal import err
    from state import JobStatus, SqlStore

    settings = load_settings(config, db=db, broker_url=broker_url)
    with SqlStore(settings.database) as store:
        job = store.job(job_id)
        status = store.effective_status(job)
        if status.finished:
            raise IntakeError(f"job {job.id} has {status.value}: nothing to resume (see `sparkwright show {job.id}`)")
        if status == JobStatus.AWAITING_APPROVAL:
            raise IntakeError(f"job {job.id} waits for its plan's approval: `sparkwright approve {job.id}` first")
        if job.queued_at:
            from agent.queue.submit import requeue

            requeue(settings, store, job)
            err.print(f"job {job.id}: queued to resume")
            return
        carry_on(store, settings, job, as_json, force=force)


def revise(
    job_id: JobArg,
    feedback: Annotated[str, typer.Argument(help="The reviewer's comments: what to change on the branch.")],
    config: ConfigOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rework a finished job from review feedback: follow-up steps, new commits on top of the branch."""
    from agent.compose.runner import lease_owner
    from agent.config import load_settings
    from agent.engine.decisions.revise import ensure_revisable, plan_feedback_round
    from agent.issue import IntakeError
    from state import SqlStore

    settings = load_settings(config, db=db)
    if not feedback.strip():
        raise IntakeError("the feedback is empty: say what should change")
    with SqlStore(settings.database) as store:
        job = store.job(job_id)
        ensure_revisable(store, job)
        carry_on(store, settings, job, as_json, prepare=lambda ctx: plan_feedback_round(ctx, feedback, lease_owner()))


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
    from agent.config import load_settings
    from agent.engine.decisions.approval import APPROVED, ensure_awaiting, read_edit, record_approval
    from state import SqlStore

    settings = load_settings(config, db=db)
    edited = read_edit(edit) if edit else None
    with SqlStore(settings.database) as store:
        job = store.job(job_id)
        ensure_awaiting(store, job)
        carry_on(store, settings, job, as_json, prepare=lambda ctx: record_approval(ctx, edited), answer=APPROVED)


def carry_on(
    store: SqlStore,
    settings: Settings,
    job: Job,
    as_json: bool,
    *,
    force: bool = False,
    prepare: Callable[[JobContext], None] | None = None,
    answer: dict[str, Any] | None = None,
) -> NoReturn:
    """A recorded job run on with the settings it was started with (today's home and database), not the
    command's: what delivery will need is checked before any work."""
    from agent.compose import job_settings, ready
    from agent.job_delivery import check_delivery

    settings = job_settings(settings, job)
    check_delivery(settings, Path(job.repo_path))
    run_and_deliver(store, settings, job, ready(settings), as_json, force=force, prepare=prepare, answer=answer)


def run_and_deliver(
    store: SqlStore,
    settings: Settings,
    job: Job,
    models: tuple[LLM, LLM],
    as_json: bool,
    *,
    force: bool = False,
    prepare: Callable[[JobContext], None] | None = None,
    answer: dict[str, Any] | None = None,
) -> NoReturn:
    """Run the job here, push it if it succeeded and was asked to be, and exit with its outcome."""
    from agent.compose import exit_code, run_job
    from agent.job_delivery import deliver_succeeded

    finished = run_job(store, settings, job, *models, as_json, force=force, prepare=prepare, answer=answer)
    deliver_succeeded(store, settings, finished)
    raise typer.Exit(exit_code(finished))
