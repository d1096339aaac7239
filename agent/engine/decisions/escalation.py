"""A failed step goes back to the deep planner, which retries, splits, revises, takes over or stops."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from agent.engine.context import JobContext
from agent.engine.conversation.control import (
    DECISIONS,
    RetryArgs,
    ReviseArgs,
    SplitArgs,
    StepPlan,
    StopArgs,
    TakeOverArgs,
    specs,
)
from agent.engine.conversation.deliberate import DeliberationFailed, deliberate
from agent.engine.conversation.planned_edits import edit_problems
from agent.faults import fault_point
from agent.issue import issue_block
from agent.models.llm import is_local
from agent.record import Decision, FailureReport
from agent.test_files import is_test_path, normalized
from state import DecisionKind, Job, PlanChange, ReportDecision, RevisionKind, Step, StepStatus
from state.fields import StepFields
from state.models import utcnow

ESCALATION_SYSTEM = """You are sparkwright's planner. A step failed in the fast worker's hands; its failure report
follows. Decide, with exactly one tool call:
- retry: the step is right, the worker needs guidance (say precisely what to change and where);
- split: the step is too big; replace it with smaller steps;
- revise: the rest of the plan is wrong; replace all remaining steps;
- take_over: you will do this step yourself with the worker's tools;
- stop: the job cannot succeed; explain honestly what is left and why."""


@dataclass(frozen=True)
class Decided:
    """The decision on a failure report, as the graph routes on it."""

    kind: DecisionKind
    stop_reason: str | None = None


def escalate(ctx: JobContext, report_id: int) -> Decided:
    """Decide on a failure report once; a re-run after a crash finds the decision already made."""
    report = next(r for r in ctx.store.failure_reports(ctx.job.id) if r.id == report_id)
    if report.decision:
        detail = report.decision_detail or {}
        if not detail.get("keep_edits"):
            ctx.workspace.discard_changes()
        return Decided(DecisionKind(report.decision), detail.get("stop_reason"))
    found = FailureReport.model_validate(report.report)
    step = ctx.store.step(report.step_id)
    decided = sum(1 for r in ctx.store.failure_reports(ctx.job.id) if r.decision)
    s = ctx.settings
    if step.escalations >= s.max_escalations_per_step or decided >= s.max_escalations_per_job:
        limit = (
            f"{s.max_escalations_per_step} per step"
            if step.escalations >= s.max_escalations_per_step
            else f"{s.max_escalations_per_job} per job"
        )
        return _stop(
            ctx,
            report_id,
            step.id,
            DecisionKind.LIMIT,
            f"stopped by the escalation limit ({limit}): step {step.title!r} failed: {found.why}",
        )
    fault_point("escalation.before_decide")
    brief = escalation_brief(ctx.job, ctx.store.steps(ctx.job.id), found)
    try:
        name, args = deliberate(ctx, ESCALATION_SYSTEM, brief, DECISIONS, "escalation", step_id=step.id)
    except DeliberationFailed as exc:
        if step.executor != "deep" and _takes_over_first(ctx):
            name, args = "stop", StopArgs(explanation=str(exc))  # the take-over below comes first
        else:  # as if the step's escalation limit were reached: nobody decided to go on
            return _stop(ctx, report_id, step.id, DecisionKind.LIMIT, f"{exc}; step {step.title!r} failed: {found.why}")
    kind, args = DecisionKind(name), args
    if step.executor != "deep" and _takes_over_first(ctx):
        kind, args = _take_over_first(ctx, step, kind, args)
    if kind == DecisionKind.STOP:
        assert isinstance(args, StopArgs)
        return _stop(ctx, report_id, step.id, kind, f"the planner stopped the job: {args.explanation}")
    _apply(ctx, report_id, step, kind, args)
    fault_point("escalation.applied")
    if not (isinstance(args, RetryArgs) and args.keep_edits):
        ctx.workspace.discard_changes()
    ctx.record.emit(Decision(report_id=report_id, decision=kind, detail=args.model_dump()), step_id=step.id)
    return Decided(kind)


def _takes_over_first(ctx: JobContext) -> bool:
    setting = ctx.settings.take_over_first
    return setting == "always" or (setting == "auto" and is_local(ctx.fast.spec))


def _take_over_first(
    ctx: JobContext, step: Step, kind: DecisionKind, args: BaseModel
) -> tuple[DecisionKind, BaseModel]:
    """The fast tier has used all its candidates on the step: the deep tier runs its own before any other decision.
    Only a decision that changes the step itself (split it, revise the plan: a wrong check or a step too big) with
    steps that can work goes first; a retry's guidance, a stop's explanation or why the new steps cannot work
    becomes the take-over's note, and the record says so."""
    if kind == DecisionKind.TAKE_OVER:
        return kind, args
    said = args.guidance if isinstance(args, RetryArgs) else args.explanation if isinstance(args, StopArgs) else ""
    if isinstance(args, (SplitArgs, ReviseArgs)):
        if not (problems := _step_problems(ctx, args.steps) + _changes_nothing(step, args.steps)):
            return kind, args
        said = f"{args.reason}; but {'; '.join(problems)}"
    why = f"the fast tier used all its candidates, so the deep tier tries its own first (the planner said {kind}"
    return DecisionKind.TAKE_OVER, TakeOverArgs(reason=f"{why}: {said})" if said else f"{why})")


def _step_problems(ctx: JobContext, steps: Sequence[StepPlan]) -> list[str]:
    """What makes new steps unable to work (a file that does not exist, no file at all), as a plan is checked."""
    problems, planned = [], set[str]()
    for number, new in enumerate(steps, 1):
        problems += [f"its step {number} ({new.title!r}): {p}" for p in edit_problems(ctx, new, planned)]
        planned |= {normalized(f) for f in new.files}
    return problems


def _changes_nothing(failed: Step, steps: Sequence[StepPlan]) -> list[str]:
    """New steps that are the failed step again, or that rewrite its check: the deep tier's own candidates on the
    step come first. One step checked by the same tests is a retry by another name (a real 1.5B's split of a
    one-function bug: 120 s gone); a step editing only the tests the check runs makes it pass by changing what it
    asks (a real 1.5B's "Re-evaluate the base delay" in the test file)."""
    if len(steps) == 1 and _runs_the_same_tests(failed.check_command, steps[0].check):
        return ["its one step has the failed step's check: it is the same step again"]
    return [
        f"its step {number} ({new.title!r}) only edits the tests the check runs: the code must pass them"
        for number, new in enumerate(steps, 1)
        if new.files and all(is_test_path(f) and normalized(f) in failed.check_command for f in new.files)
    ]


def _runs_the_same_tests(failed: str, new: str) -> bool:
    """The same command, or one naming the failed check's tests and more (a check naming none runs them all)."""
    old, words = set(failed.split()), set(new.split())
    return old == words or (old <= words and any("::" in w or w.endswith(".py") for w in old))


def _apply(ctx: JobContext, report_id: int, step, kind: DecisionKind, args) -> None:
    job_id, record = ctx.job.id, ReportDecision(report_id, kind, args.model_dump())
    bump: StepFields = {"escalations": step.escalations + 1}
    if isinstance(args, RetryArgs):
        ctx.store.revise_plan(
            job_id,
            PlanChange(
                RevisionKind.RETRY,
                args.guidance,
                report=record,
                step_updates={step.id: {**bump, "status": StepStatus.PENDING.value, "guidance": args.guidance}},
            ),
        )
    elif isinstance(args, TakeOverArgs):
        ctx.store.revise_plan(
            job_id,
            PlanChange(
                RevisionKind.TAKE_OVER,
                args.reason,
                report=record,
                step_updates={
                    step.id: {**bump, "status": StepStatus.PENDING.value, "executor": "deep", "guidance": args.reason}
                },
            ),
        )
    elif isinstance(args, SplitArgs):
        ctx.store.revise_plan(
            job_id,
            PlanChange(
                RevisionKind.SPLIT,
                args.reason,
                specs(args.steps),
                after=step.position,
                parent_id=step.id,
                retire=[step.id],
                report=record,
                step_updates={step.id: bump},
            ),
        )
    elif isinstance(args, ReviseArgs):
        later = [
            s.id for s in ctx.store.steps(job_id) if s.position > step.position and s.status == StepStatus.PENDING.value
        ]
        ctx.store.revise_plan(
            job_id,
            PlanChange(
                RevisionKind.REVISE,
                args.reason,
                specs(args.steps),
                after=step.position,
                retire=[step.id, *later],
                report=record,
                step_updates={step.id: bump},
            ),
        )


def _stop(ctx: JobContext, report_id: int, step_id: int, kind: DecisionKind, reason: str) -> Decided:
    pending = [s.id for s in ctx.store.steps(ctx.job.id) if s.status == StepStatus.PENDING.value]
    ctx.store.revise_plan(
        ctx.job.id,
        PlanChange(
            RevisionKind.STOP,
            reason,
            retire=pending,
            retire_as=StepStatus.SKIPPED,
            step_updates={step_id: {"status": StepStatus.FAILED.value, "finished_at": utcnow()}},
            report=ReportDecision(report_id, kind, {"stop_reason": reason}),
        ),
    )
    ctx.workspace.discard_changes()
    ctx.record.emit(Decision(report_id=report_id, decision=kind, detail={"stop_reason": reason}), step_id=step_id)
    return Decided(kind, reason)


def escalation_brief(job: Job, plan: Sequence[Step], report: FailureReport) -> str:
    outline = "\n".join(f"{s.id}. [{s.status}] {s.title} — check: {s.check_command}" for s in plan)
    return (
        f"## Issue\n{issue_block(job)}\n\n## Plan\n{outline}\n\n## Failure report\n"
        f"{json.dumps(report.stored(), indent=1, ensure_ascii=False)}"
    )
