"""Planning: a first look at the tests, then either the quick path (one step, no planner call) or the deep
model's plan, checked before work and sent back while it cannot work; the plan becomes rows in SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.engine.context import JobContext
from agent.engine.conversation.control import SUBMIT_PLAN, PlanArgs, specs
from agent.engine.conversation.deliberate import DeliberationFailed, deliberate
from agent.engine.judge import failing_part
from agent.engine.planning.plan_check import Validated, validate_plan
from agent.engine.planning.prompts import PLANNER_SYSTEM, planner_brief, rejected_plan
from agent.engine.planning.quick import quick_plan, quick_reason
from agent.engine.planning.triage import Triage, triage
from agent.faults import fault_point
from agent.record import Plan, PlanCheck, PlannedStep, PlanPath, PlanRejected, Triaged
from sandbox import CommandResult
from state import RevisionKind
from tools.search import ListArgs, list_files


def make_plan(ctx: JobContext) -> None:
    """Plan once: a job that already has steps (resumed) keeps them. The first test run comes before any model
    call in every mode: a test command that cannot run ends the job before it costs anything."""
    if ctx.store.steps(ctx.job.id):
        return
    found = _triage(ctx)
    if why := quick_reason(ctx.settings.mode, found):
        _save_quick(ctx, found, PlanPath.QUICK, why)
        return
    brief = planner_brief(ctx.job, list_files(ctx.reader, ListArgs()), ctx.agents_md(), found)
    rejected: list[str] = []
    for number in range(1, ctx.settings.plan_retries + 2):
        try:
            _, plan = deliberate(ctx, PLANNER_SYSTEM, brief + "".join(rejected), [SUBMIT_PLAN], "plan")
        except DeliberationFailed as exc:
            _save_quick(ctx, found, PlanPath.FALLBACK, str(exc))
            return
        assert isinstance(plan, PlanArgs)
        verdict: Validated = validate_plan(ctx, plan.steps, None if found.passed else found.check)
        if not verdict.problems:
            fault_point("plan.before_save")
            save_plan(ctx, plan, [_checked(r) for r in verdict.checks])
            fault_point("plan.saved")
            return
        ctx.record.emit(PlanRejected(number=number, problems=verdict.problems))
        rejected.append(rejected_plan(number, plan, verdict.problems))
    tries = ctx.settings.plan_retries + 1
    why = f"none of the planner's {tries} plans could work" if tries > 1 else "the planner's plan could not work"
    _save_quick(ctx, found, PlanPath.FALLBACK, why)


def _triage(ctx: JobContext) -> Triage:
    found = triage(ctx)
    ctx.record.emit(
        Triaged(
            test_command=found.test_command,
            passed=found.passed,
            no_tests=found.no_tests,
            failing_tests=found.failing_tests,
            check=found.check,
            files=found.files,
            small=found.small,
            seconds=round(found.seconds, 3),
        )
    )
    return found


def _save_quick(ctx: JobContext, found: Triage, path: PlanPath, why: str) -> None:
    plan = quick_plan(ctx.job, found, why)
    kind = RevisionKind.QUICK if path == PlanPath.QUICK else RevisionKind.FALLBACK
    fault_point("plan.before_save")
    save_plan(ctx, plan, [(found.passed, None, found.check_output)], kind, path, why, found.test_command)
    fault_point("plan.saved")


def _checked(result: CommandResult) -> tuple[bool, int | None, str]:
    return result.ok, result.exit_code, failing_part(result.output)


def save_plan(
    ctx: JobContext,
    plan: PlanArgs,
    checks: Sequence[tuple[bool, int | None, str]] = (),
    kind: RevisionKind = RevisionKind.INITIAL,
    path: PlanPath = PlanPath.PLANNED,
    why: str | None = None,
    test_command: str | None = None,
) -> None:
    """The plan as rows, then its events: the plan, and each step's check as it ran before work."""
    test_command = ctx.settings.test_command or test_command or plan.test_command
    steps = ctx.store.save_plan(ctx.job.id, plan.summary, specs(plan.steps), test_command, kind)
    ctx.job.test_command = test_command
    # A planner's plan records what it always did; only the other paths say which they were and why.
    taken: dict[str, Any] = {} if path == PlanPath.PLANNED else {"path": path, "why": why}
    ctx.record.emit(
        Plan(
            summary=plan.summary,
            test_command=test_command,
            steps=[PlannedStep(id=s.id, title=s.title, check=s.check_command) for s in steps],
            **taken,
        )
    )
    for step, (passed, exit_code, output) in zip(steps, checks, strict=False):
        ctx.record.emit(
            PlanCheck(command=step.check_command, passed=passed, exit_code=exit_code, output=output), step_id=step.id
        )
