"""Running a job: its lease and heartbeat, its graph to the end, and its final status."""

from __future__ import annotations

import os
import socket
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command

from agent.engine.context import JobContext
from agent.engine.conversation.deliberate import DeliberationFailed
from agent.engine.decisions.approval import mark_waiting
from agent.engine.graph import JobGraph, JobState
from agent.engine.judge import UnrunnableCheck
from agent.errors import INTERRUPTIONS
from agent.record import JobFinished, JobInterrupted, JobResumed, JobStarted
from agent.redact import scrub
from state import DatabaseError, Job, JobStatus, RevisionKind, SqlStore

HEARTBEAT_SECONDS = 5.0


def lease_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def graph_thread(store: SqlStore, job_id: str) -> str:
    """The graph thread of the job's current round: each `revise` starts a fresh one, since a finished
    thread sits at END; `resume` finds the same thread again."""
    rounds = sum(1 for r in store.revisions(job_id) if r.kind == RevisionKind.FEEDBACK)
    return f"{job_id}:r{rounds}" if rounds else job_id


@contextmanager
def leased(store: SqlStore, job_id: str, force: bool = False) -> Iterator[threading.Event]:
    """Hold the job's lease, kept alive by a heartbeat, for the block. Taken before anything of the job
    (its sandbox, its worktree) is touched, so a job running elsewhere is refused, not disturbed.
    Yields an event the heartbeat sets when `stop` asked the job to stop, from whatever machine, or when
    another process took the job over (this one's beats had stopped for too long)."""
    owner = lease_owner()
    store.acquire_lease(job_id, owner, force=force)
    stop_beating, stop_asked = threading.Event(), threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(store, job_id, owner, stop_beating, stop_asked), daemon=True)
    beat.start()
    try:
        yield stop_asked
    finally:
        stop_beating.set()
        beat.join()
        store.release_lease(job_id, owner)


def execute(ctx: JobContext, graph: JobGraph, answer: dict[str, Any] | None = None) -> Job:
    """Run (or resume) the job's graph to its end, or to the plan's approval; the caller holds the lease.
    `answer` resumes a graph waiting for approval. Returns the final job row."""
    store, job_id = ctx.store, ctx.job.id
    ctx.workspace.clear_stale_locks()
    config: RunnableConfig = {"configurable": {"thread_id": graph_thread(store, job_id)}, "recursion_limit": 1_000_000}
    try:
        store.update_job(job_id, status=_running_status(store, job_id).value)
        started = graph.get_state(config).next
        ctx.record.emit((JobResumed if started else JobStarted)(branch=ctx.job.branch))
        # "sync": a node's checkpoint is on disk before the next node acts, so a kill never resumes a
        # node whose successor already changed the world (LangGraph's default writes it in the background).
        start: JobState | Command[Any] | None = Command(resume=answer) if answer else (None if started else {})
        graph.invoke(start, config, context=ctx, durability="sync")
        if graph.get_state(config).interrupts:
            mark_waiting(ctx)
    except INTERRUPTIONS as exc:
        if not _still_ours(store, job_id):
            return store.job(job_id)  # another process has the job now: its record is theirs to write
        reason = scrub(str(exc)) or "interrupted by the user"
        store.update_job(
            job_id,
            status=JobStatus.INTERRUPTED.value,
            outcome_reason=f"{reason}; continue with `sparkwright resume {job_id}`",
        )
        ctx.record.emit(JobInterrupted(reason=reason))
    except DeliberationFailed as exc:
        _fail(ctx, str(exc))
    except UnrunnableCheck as exc:
        _fail(ctx, str(exc))
        raise  # the user's to fix: one line and exit code 2, like any bad input
    except Exception as exc:
        _fail(ctx, f"internal error: {type(exc).__name__}: {exc}", traceback.format_exc())
        raise
    return store.job(job_id)


def _still_ours(store: SqlStore, job_id: str) -> bool:
    return store.job(job_id).lease_owner == lease_owner()


def _running_status(store: SqlStore, job_id: str) -> JobStatus:
    return JobStatus.RUNNING if store.steps(job_id) else JobStatus.PLANNING


def _fail(ctx: JobContext, reason: str, trace: str | None = None) -> None:
    reason, trace = scrub(reason), scrub(trace)
    ctx.store.update_job(ctx.job.id, status=JobStatus.FAILED.value, outcome_reason=reason)
    ctx.record.emit(JobFinished(status=JobStatus.FAILED, reason=reason, **({"traceback": trace} if trace else {})))


def _heartbeat(store: SqlStore, job_id: str, owner: str, stop: threading.Event, stop_asked: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            if not store.heartbeat(job_id, owner) or store.stop_requested(job_id):
                stop_asked.set()
        except DatabaseError:
            # A database server away for a moment must not end the beating: the next beat tries again.
            continue
