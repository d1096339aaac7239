"""The commands that tell a job something through the record and return at once, wherever the job runs:
`steer` it, `stop` it, `reject` its plan.

`stop` is here rather than with the queue: it answers any planning or running job, one `run` started in
another terminal as much as one a worker took, by a request its runner reads at the next heartbeat."""

from __future__ import annotations

from typing import Annotated

import typer

from agent.cli.options import ConfigOpt, DbOpt, JobArg


def steer(job_id: str, message: str, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Send guidance to a running job; the worker or planner reads it at its next turn."""
    from agent.config import load_settings
    from agent.issue import IntakeError
    from agent.views.terminal import err
    from state import SqlStore

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


def stop(job_id: str, config: ConfigOpt = None, db: DbOpt = None) -> None:
    """Stop a job wherever it runs: it stops at its next heartbeat (seconds), resumable with `resume`."""
    from agent.config import load_settings
    from agent.issue import IntakeError
    from agent.views.terminal import err
    from state import JobStatus, SqlStore

    with SqlStore(load_settings(config, db=db).database) as store:
        job = store.job(job_id)
        status = store.effective_status(job)
        if status not in (JobStatus.QUEUED, JobStatus.PLANNING, JobStatus.RUNNING):
            raise IntakeError(f"job {job.id} is not running ({status.value})")
        store.request_stop(job.id)
        if status == JobStatus.QUEUED:
            store.update_job(job.id, status=JobStatus.INTERRUPTED.value, outcome_reason="stopped before it started")
    err.print(f"job {job.id}: asked to stop; `sparkwright resume {job.id}` carries it on")


def reject_plan(
    job_id: JobArg,
    why: Annotated[str, typer.Argument(help="Why the plan is rejected; kept as the job's outcome.")],
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Reject a job's plan: the job ends as failed with your reason, nothing worked."""
    from agent.compose.runner import leased
    from agent.config import load_settings
    from agent.engine.decisions.approval import reject
    from agent.issue import IntakeError
    from agent.views.terminal import err
    from state import SqlStore

    if not why.strip():
        raise IntakeError('say why the plan is rejected: `sparkwright reject JOB "why"`')
    with SqlStore(load_settings(config, db=db).database) as store:
        job = store.job(job_id)
        with leased(store, job.id):
            reject(store, store.job(job.id), why)
    err.print(f"job {job.id}: plan rejected")
