"""Composing a job's parts and running it: models, sandbox, checkpoints, recorder and progress wired
together under the job's lease. Delivery as the job asked is `agent.job_delivery`. Only the CLI and the
queue's worker call this."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from agent import heap
from agent.compose.checkpoints import open_checkpointer
from agent.compose.lanes import JobLanes
from agent.compose.recorder import Listener, Recorder
from agent.compose.runner import execute, leased
from agent.compose.sandboxes import open_sandbox, preflight
from agent.config import Settings, stored_settings
from agent.engine.context import JobContext
from agent.engine.graph import build_graph
from agent.models.llm import (
    LLM,
    BuiltSoon,
    ModelConfigError,
    Tier,
    chat_model_recipe,
    check_reachable,
    split_spec,
    tool_calls_for,
)
from agent.models.local_probe import find_local_server
from agent.repo import Workspace
from agent.views import jobs as report
from agent.views.progress import JsonLines, LiveProgress
from agent.views.terminal import err, warn
from sandbox.confined import WorkspaceView
from state import Job, JobStatus, SqlStore

NO_MODEL = (
    "no model configured: set SPARKWRIGHT_DEEP_MODEL and SPARKWRIGHT_FAST_MODEL (e.g. openai:gpt-4.1 with "
    "OPENAI_API_KEY, or openai-compatible:NAME with --base-url http://localhost:8080/v1) — see README"
)


def job_settings(current: Settings, job: Job) -> Settings:
    """The settings the job was started with (models, sandbox, budgets), in today's home and DB."""
    return stored_settings(job.settings, home=current.home, db=current.database)


def ready(settings: Settings) -> tuple[LLM, LLM]:
    """Models built and the sandbox checked, before anything is recorded: one-line errors otherwise."""
    models = build_models(settings)
    if settings.sandbox == "docker":
        preflight(settings)
    return models


def build_models(settings: Settings) -> tuple[LLM, LLM]:
    if not settings.deep_model or not settings.fast_model:
        raise ModelConfigError(no_model(settings))
    models = []
    tiers: tuple[tuple[Tier, str, str | None, str], ...] = (
        ("deep", settings.deep_model, settings.deep_base_url or settings.base_url, settings.deep_tool_calls),
        ("fast", settings.fast_model, settings.fast_base_url or settings.base_url, settings.fast_tool_calls),
    )
    checked: set[str] = set()
    for tier, spec, url, tool_calls in tiers:
        recipe = chat_model_recipe(spec, url)
        if url and url not in checked and split_spec(spec)[0] != "scripted":
            check_reachable(url)
            checked.add(url)
        models.append((tier, spec, recipe, tool_calls_for(tool_calls, spec)))
    # Built while the job starts: its first request waits for the triage's test run anyway.
    deep, fast = (LLM(tier, spec, BuiltSoon(recipe), calls) for tier, spec, recipe, calls in models)
    return deep, fast


def no_model(settings: Settings) -> str:
    """The "no model configured" error, with the settings for a local server if one answers."""
    server = find_local_server(settings.local_servers)
    return f"{NO_MODEL}; {server.hint()}" if server else NO_MODEL


def run_job(
    store: SqlStore,
    settings: Settings,
    job: Job,
    deep: LLM,
    fast: LLM,
    as_json: bool,
    force: bool = False,
    prepare: Callable[[JobContext], None] | None = None,
    answer: dict[str, Any] | None = None,
) -> Job:
    """Run the job in this process under its lease, with progress on the terminal, until it ends or waits."""
    store.update_job(job.id, stop_requested_at=None)  # the user runs it now: an earlier `stop` is answered
    with leased(store, job.id, force) as stop_asked, ExitStack() as stack, interruptible():
        listener = JsonLines() if as_json else stack.enter_context(LiveProgress(store, job.id))
        finished = run_leased(store, settings, job, deep, fast, [listener], stop_asked, prepare, answer)
    report.print_outcome(finished, store)
    return finished


def run_leased(
    store: SqlStore,
    settings: Settings,
    job: Job,
    deep: LLM,
    fast: LLM,
    listeners: list[Listener],
    cancel: threading.Event,
    prepare: Callable[[JobContext], None] | None = None,
    answer: dict[str, Any] | None = None,
    keep_branch: Callable[[Workspace, str], None] | None = None,
) -> Job:
    """Run the job whose lease the caller holds: worktree, sandbox, checkpoints and recorder wired together."""
    with ExitStack() as stack:
        workspace = Workspace.ensure(Path(job.repo_path), Path(job.worktree_path), job.branch, job.base_commit)
        sandbox = stack.enter_context(open_sandbox(settings, store, job, workspace, warn))
        saver = stack.enter_context(open_checkpointer(settings.database))
        recorder = stack.enter_context(Recorder(store, job.id, listeners))
        lanes = stack.enter_context(JobLanes(settings, store, job))
        ctx = JobContext(
            store, settings, job, workspace, sandbox, WorkspaceView(workspace.path), deep, fast, recorder, cancel
        )
        ctx.lanes = lanes
        if keep_branch:
            ctx.keep_branch = lambda head: keep_branch(workspace, head)
        if prepare:
            prepare(ctx)
        graph = build_graph(saver)
        heap.settle()
        return execute(ctx, graph, answer)


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


def exit_code(job: Job) -> int:
    codes = {JobStatus.SUCCEEDED.value: 0, JobStatus.AWAITING_APPROVAL.value: 0, JobStatus.INTERRUPTED.value: 130}
    return codes.get(job.status, 1)
