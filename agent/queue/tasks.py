"""What a worker does with a delivered job, and the sweep that hands a dead worker's jobs to live ones."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta

from agent.compose import job_settings, ready, run_leased
from agent.compose.runner import leased
from agent.compose.sandboxes import sandbox_kind
from agent.config import Settings
from agent.errors import USER_ERRORS
from agent.github.client import token_from_env
from agent.job_delivery import deliver_succeeded
from agent.queue.placement import keep_branch, place_on_host
from agent.record import JobInterrupted, Recorded, record_event
from agent.redact import scrub
from agent.views.jobs import event_line
from agent.views.terminal import printable
from state import Job, JobStatus, LeaseHeld, SqlStore

log = logging.getLogger("sparkwright.worker")
RESEND_AFTER = timedelta(minutes=10)
HOST_SETTINGS = (
    "sandbox",
    "docker_image",
    "docker_memory",
    "docker_cpus",
    "docker_pids_limit",
    "sandbox_env",
    "keep_sandbox",
    "local_servers",
)
"""How this host runs sandboxes is the worker's to say, not the submitter's; the rest travels with the job."""


def run_delivery(settings: Settings, job_id: str) -> str:
    """Run the job here unless it has ended, was stopped, or runs elsewhere; a duplicate delivery lets go."""
    with SqlStore(settings.database) as store, ExitStack() as stack:
        job = store.job(job_id)
        if reason := _not_runnable(store, job):
            return _let_go(job_id, reason)
        try:
            stop_asked = stack.enter_context(leased(store, job.id))
        except LeaseHeld:
            return _let_go(job_id, "it runs in another worker")
        job = store.job(job_id)
        if reason := _not_runnable(store, job):  # it may have ended between the look and the lease
            return _let_go(job_id, reason)
        try:
            job = place_on_host(store, settings, job, token_from_env())
            own = {name: getattr(settings, name) for name in HOST_SETTINGS}
            run_settings = job_settings(settings, job).model_copy(update=own)
            run_settings.sandbox = sandbox_kind(run_settings, log.warning)
            deep, fast = ready(run_settings)
        except USER_ERRORS as exc:
            return _cannot_run(store, job, str(exc))
        log.info("job %s: running on this worker", job_id)
        try:
            finished = run_leased(
                store, run_settings, job, deep, fast, [log_event], stop_asked, keep_branch=keep_branch(store, job)
            )
        except USER_ERRORS as exc:  # recorded as the job's failure already: its test command cannot run here
            log.warning("job %s: failed: %s", job_id, exc)
            return f"job {job_id}: failed"
        stack.close()
        try:
            deliver_succeeded(store, run_settings, finished)
        except USER_ERRORS as exc:
            log.warning("job %s: not pushed: %s; push it with `sparkwright push %s`", job_id, exc, job_id)
        return f"job {job_id}: {finished.status}"


def log_event(recorded: Recorded) -> None:
    """The worker's log: one short line per event of the jobs it runs (`show JOB` has the whole story)."""
    log.info("job %s: %s: %s", recorded.job_id, recorded.event.kind, printable(event_line(recorded.event))[:300])


def sweep(settings: Settings, send: Callable[[str], object]) -> list[str]:
    """Queued jobs that were started but whose lease went stale (their worker died) go back on the queue, once:
    again only if no worker has taken the message after RESEND_AFTER (a broker may lose it)."""
    with SqlStore(settings.database) as store:
        stale = [job.id for job in store.stale_jobs() if store.requeue(job, RESEND_AFTER)]
    for job_id in stale:
        log.info("job %s: its worker stopped beating; queued to resume", job_id)
        send(job_id)
    return stale


def _not_runnable(store: SqlStore, job: Job) -> str | None:
    status = store.effective_status(job)
    if status.finished or status == JobStatus.AWAITING_APPROVAL:
        return f"it has {status.value}"
    if job.stop_requested_at:
        return "it was stopped (resume it to run it)"
    if not job.repo_url:
        return "it was not submitted to the queue"
    return None


def _let_go(job_id: str, reason: str) -> str:
    log.info("job %s: not run here, %s", job_id, reason)
    return f"job {job_id}: {reason}"


def _cannot_run(store: SqlStore, job: Job, reason: str) -> str:
    """This host cannot run the job (no model key, no Docker, a repository it cannot clone): the job stops
    with the reason rather than bouncing between workers; `resume` queues it again once that is fixed."""
    reason = f"cannot run on this worker: {scrub(reason)}"
    store.update_job(
        job.id,
        status=JobStatus.INTERRUPTED.value,
        outcome_reason=f"{reason}; fix it, then `sparkwright resume {job.id}`",
    )
    record_event(store, job.id, JobInterrupted(reason=reason))
    log.warning("job %s: %s", job.id, reason)
    return f"job {job.id}: interrupted, {reason}"
