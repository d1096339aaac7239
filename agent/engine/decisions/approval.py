"""Plan approval: with `approve_plan` on, the job pauses after planning until the user approves, edits or
rejects the plan (`approve`, `reject`, or the `serve` page).

The pause is a LangGraph interrupt in a node of its own with no side effects: the node re-runs from its
start on resume, and `interrupt()` then returns the user's answer. Whatever the answer changes (an edited
plan, a rejection) is written by the command before the graph resumes, under the job's lease."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt
from pydantic import BaseModel, Field, ValidationError

from agent.engine.context import JobContext
from agent.engine.conversation.control import StepPlan, specs
from agent.errors import UserError
from agent.record import Approval, JobFinished, Plan, PlannedStep, read_events
from state import Job, JobStatus, PlanChange, RevisionKind, SqlStore, StepStatus

APPROVED = {"approved": True}
"""The resume value of an approval: the plan in the record (edited or not) stands."""


class ApprovalError(UserError):
    """The job cannot be approved or rejected as asked; the message says what to do."""


class EditedPlan(BaseModel):
    """An edited plan as `approve --edit FILE` reads it: the steps that replace the plan's pending ones."""

    summary: str | None = Field(None, description="A new summary of the approach; the planner's stays otherwise.")
    steps: list[StepPlan] = Field(min_length=1)


def approve_node(state: Any, runtime: Runtime[JobContext]) -> dict[str, Any]:
    """Wait for the user's verdict on the plan, once per job: a job approved before (a `revise` round, a
    resumed job) goes on at once."""
    ctx = runtime.context
    if not ctx.settings.approve_plan or approved(ctx.store, ctx.job.id):
        return {}
    interrupt({"job": ctx.job.id, "waiting_for": "plan approval"})
    return {}


def approved(store: SqlStore, job_id: str) -> bool:
    return any(r.event.decision == "approved" for r in read_events(store, job_id, Approval))


def mark_waiting(ctx: JobContext) -> None:
    """The graph stopped at the approval node: the job waits for the user, no process holds it."""
    job_id = ctx.job.id
    ctx.store.update_job(
        job_id,
        status=JobStatus.AWAITING_APPROVAL.value,
        outcome_reason=f"the plan waits: `sparkwright approve {job_id}` or `sparkwright reject {job_id} WHY`",
    )
    ctx.record.emit(Approval(decision="waiting"))


def ensure_awaiting(store: SqlStore, job: Job) -> None:
    status = store.effective_status(job)
    if status != JobStatus.AWAITING_APPROVAL:
        raise ApprovalError(f"job {job.id} is {status.value}, not awaiting approval: see `sparkwright show {job.id}`")


def read_edit(path: Path) -> EditedPlan:
    """The edited plan in FILE (JSON: {"summary": ..., "steps": [{"title", "instructions", "files", "check"}]})."""
    try:
        return EditedPlan.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except OSError as exc:
        raise ApprovalError(f"cannot read {path} ({exc.strerror}): pass an existing JSON file to --edit") from None
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0][:200]
        raise ApprovalError(
            f"{path} is not a plan ({first}): write JSON with a list of steps (title, instructions, files, check)"
        ) from None


def record_approval(ctx: JobContext, edit: EditedPlan | None) -> None:
    """Under the lease, before the graph resumes: the edited steps replace the pending ones, then the verdict."""
    ensure_awaiting(ctx.store, ctx.store.job(ctx.job.id))
    if edit is not None:
        replace_pending_steps(ctx, edit)
    ctx.record.emit(Approval(decision="approved", edited=edit is not None))


def replace_pending_steps(ctx: JobContext, edit: EditedPlan) -> None:
    job_id = ctx.job.id
    pending = [s.id for s in ctx.store.steps(job_id) if s.status == StepStatus.PENDING.value]
    steps = ctx.store.revise_plan(
        job_id, PlanChange(RevisionKind.EDIT, "edited on approval", specs(edit.steps), retire=pending)
    )
    summary = edit.summary or ctx.store.job(job_id).plan_summary or ""
    ctx.store.update_job(job_id, plan_summary=summary)
    ctx.record.emit(
        Plan(
            summary=summary,
            test_command=ctx.job.test_command,
            steps=[PlannedStep(id=s.id, title=s.title, check=s.check_command) for s in steps],
        )
    )


def reject(store: SqlStore, job: Job, why: str) -> None:
    """The plan is rejected: the job ends as failed with the user's reason; nothing was worked. The caller
    holds the lease."""
    ensure_awaiting(store, job)
    reason = f"plan rejected: {why.strip()}"
    store.update_job(job.id, status=JobStatus.FAILED.value, outcome_reason=reason)
    for event in (
        Approval(decision="rejected", reason=why.strip()),
        JobFinished(status=JobStatus.FAILED, reason=reason),
    ):
        store.add_event(job.id, event.kind, event.payload())
