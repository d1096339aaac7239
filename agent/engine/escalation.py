"""A failed step goes back to the deep planner, which retries, splits, revises, takes over or stops."""

from __future__ import annotations

from dataclasses import dataclass

from agent.engine.context import JobContext
from agent.engine.control import DECISIONS, ReviseArgs, RetryArgs, SplitArgs, StopArgs, TakeOverArgs
from agent.engine.deliberate import deliberate
from agent.faults import fault_point
from agent.engine.planner import specs
from agent.engine.prompts import ESCALATION_SYSTEM, escalation_brief
from state import StepStatus
from state.models import utcnow


@dataclass(frozen=True)
class Decision:
    kind: str
    stop_reason: str | None = None


def escalate(ctx: JobContext, report_id: int) -> Decision:
    """Decide on a failure report once; a re-run after a crash finds the decision already made."""
    report = next(r for r in ctx.store.failure_reports(ctx.job.id) if r.id == report_id)
    if report.decision:
        detail = report.decision_detail or {}
        if not detail.get("keep_edits"):
            ctx.workspace.discard_changes()
        return Decision(report.decision, detail.get("stop_reason"))
    step = ctx.store.step(report.step_id)
    decided = sum(1 for r in ctx.store.failure_reports(ctx.job.id) if r.decision)
    s = ctx.settings
    if step.escalations >= s.max_escalations_per_step or decided >= s.max_escalations_per_job:
        limit = (f"{s.max_escalations_per_step} per step" if step.escalations >= s.max_escalations_per_step
                 else f"{s.max_escalations_per_job} per job")
        return _stop(ctx, report_id, step.id, "limit",
                     f"stopped by the escalation limit ({limit}): step {step.title!r} failed: {report.report['why']}")
    fault_point("escalation.before_decide")
    brief = escalation_brief(ctx.job, ctx.store.steps(ctx.job.id), report.report)
    name, args = deliberate(ctx, ESCALATION_SYSTEM, brief, DECISIONS, "escalation", step_id=step.id)
    if name == "stop":
        assert isinstance(args, StopArgs)
        return _stop(ctx, report_id, step.id, "stop", f"the planner stopped the job: {args.explanation}")
    _apply(ctx, report_id, step, name, args)
    fault_point("escalation.applied")
    if not (isinstance(args, RetryArgs) and args.keep_edits):
        ctx.workspace.discard_changes()
    ctx.record.emit("decision", step_id=step.id, report_id=report_id, decision=name, detail=args.model_dump())
    return Decision(name)


def _apply(ctx: JobContext, report_id: int, step, name: str, args) -> None:
    job_id, record = ctx.job.id, (report_id, name, args.model_dump())
    bump = {"escalations": step.escalations + 1}
    if isinstance(args, RetryArgs):
        ctx.store.revise_plan(job_id, "retry", args.guidance, report=record, step_updates={
            step.id: {**bump, "status": StepStatus.PENDING.value, "guidance": args.guidance}})
    elif isinstance(args, TakeOverArgs):
        ctx.store.revise_plan(job_id, "take_over", args.reason, report=record, step_updates={
            step.id: {**bump, "status": StepStatus.PENDING.value, "executor": "deep", "guidance": args.reason}})
    elif isinstance(args, SplitArgs):
        ctx.store.revise_plan(job_id, "split", args.reason, specs(args.steps), after=step.position,
                              parent_id=step.id, retire=[step.id], report=record, step_updates={step.id: bump})
    elif isinstance(args, ReviseArgs):
        later = [s.id for s in ctx.store.steps(job_id) if s.position > step.position and s.status == StepStatus.PENDING.value]
        ctx.store.revise_plan(job_id, "revise", args.reason, specs(args.steps), after=step.position,
                              retire=[step.id, *later], report=record, step_updates={step.id: bump})


def _stop(ctx: JobContext, report_id: int, step_id: int, kind: str, reason: str) -> Decision:
    pending = [s.id for s in ctx.store.steps(ctx.job.id) if s.status == StepStatus.PENDING.value]
    ctx.store.revise_plan(ctx.job.id, "stop", reason, retire=pending, retire_as=StepStatus.SKIPPED,
                          step_updates={step_id: {"status": StepStatus.FAILED.value, "finished_at": utcnow()}},
                          report=(report_id, kind, {"stop_reason": reason}))
    ctx.workspace.discard_changes()
    ctx.record.emit("decision", step_id=step_id, report_id=report_id, decision=kind, detail={"stop_reason": reason})
    return Decision(kind, reason)
