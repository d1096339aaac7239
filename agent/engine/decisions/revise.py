"""`revise`: a reviewer's feedback on a finished job starts a new round on the same branch.

The deep model plans follow-up steps from the feedback and the existing diff; they are recorded as a
plan revision of kind "feedback", then the job's graph runs again on a fresh thread (the finished
one sits at END) so the steps are worked, committed on top and reviewed. Earlier commits stay."""

from __future__ import annotations

from agent.engine.context import JobContext
from agent.engine.conversation.control import ADD_STEPS, AddStepsArgs, specs
from agent.engine.conversation.deliberate import DeliberationFailed, deliberate
from agent.issue import IntakeError, issue_block
from agent.models.llm import ModelUnavailable
from agent.record import Feedback, PlannedStep
from state import Job, JobStatus, PlanChange, RevisionKind, SqlStore, StepStatus
from tools.base import truncate_middle

REVISE_DIFF_CHARS = 30_000
RETIRED_ON_REVISE = (StepStatus.FAILED.value, StepStatus.SKIPPED.value)

REVISE_SYSTEM = """You are sparkwright's planner, back on a job that has finished: a reviewer read its branch and
left feedback. Read the feedback, the plan so far and the diff against the base; explore with the read-only tools
if you need to; then call add_steps exactly once with follow-up steps that address the feedback.
The branch's commits stay as they are: build on top of them and do not redo finished steps. Steps that failed or
were skipped earlier are retired; add them again if they are still needed. Each step is small, names its files
and has a check that fails before it and passes after it."""


def ensure_revisable(store: SqlStore, job: Job) -> None:
    """Only a finished job takes feedback: a running one is steered, an interrupted one resumed first."""
    status = store.effective_status(job)
    if status in (JobStatus.PLANNING, JobStatus.RUNNING):
        raise IntakeError(
            f"job {job.id} is still running ({job.lease_owner}): wait for it to finish, or use "
            f"`sparkwright steer {job.id} MESSAGE` to guide it now"
        )
    if status == JobStatus.AWAITING_APPROVAL:
        raise IntakeError(f"job {job.id} waits for its plan's approval: `sparkwright approve {job.id}` first")
    if status == JobStatus.INTERRUPTED:
        raise IntakeError(f"job {job.id} was interrupted: finish it with `sparkwright resume {job.id}`, then revise it")


def plan_feedback_round(ctx: JobContext, feedback: str, owner: str) -> None:
    """Plan the follow-up steps and record them, with the feedback, as one plan revision.

    The lease is taken first (`execute` takes it over, same owner) so two revisions cannot interleave;
    if planning fails the job is left exactly as it was."""
    job_id = ctx.job.id
    ctx.store.acquire_lease(job_id, owner)
    try:
        ensure_revisable(ctx.store, ctx.store.job(job_id))
        _, args = deliberate(ctx, REVISE_SYSTEM, revise_brief(ctx, feedback), [ADD_STEPS], "feedback")
    except (DeliberationFailed, ModelUnavailable) as exc:
        ctx.store.release_lease(job_id, owner)
        raise IntakeError(f"{exc}; the job is unchanged: try again, or rephrase the feedback") from None
    except BaseException:
        ctx.store.release_lease(job_id, owner)
        raise
    assert isinstance(args, AddStepsArgs)
    retire = [s.id for s in ctx.store.steps(job_id) if s.status in RETIRED_ON_REVISE]
    steps = ctx.store.revise_plan(job_id, PlanChange(RevisionKind.FEEDBACK, feedback, specs(args.steps), retire=retire))
    revision = ctx.store.revisions(job_id)[-1].number
    # RUNNING without a live lease reads as interrupted: a crash from here on is picked up by `resume`.
    ctx.store.update_job(
        job_id, status=JobStatus.RUNNING.value, outcome_reason=f"revising from feedback: {args.reason}"
    )
    ctx.record.emit(
        Feedback(
            feedback=feedback,
            revision=revision,
            reason=args.reason,
            retired=retire,
            steps=[PlannedStep(id=s.id, title=s.title, check=s.check_command) for s in steps],
        )
    )


def revise_brief(ctx: JobContext, feedback: str) -> str:
    job, steps = ctx.job, ctx.store.steps(ctx.job.id)
    outline = "\n".join(
        f"- [{s.status}] {s.title} — check: `{s.check_command}`"
        + (f" — commit {s.commit_sha[:10]}" if s.commit_sha else "")
        for s in steps
    )
    diff = truncate_middle(ctx.workspace.diff(job.base_commit), REVISE_DIFF_CHARS) or "(no changes)"
    return (
        f"## Issue\n{issue_block(job)}\n\n## Plan so far\n{job.plan_summary or ''}\n{outline}\n\n"
        f"## Diff against the base\n{diff}\n\n## Reviewer feedback\n{feedback.strip()}"
    )
