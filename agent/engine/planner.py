"""Planning: the deep model reads the issue and the repo, then the plan becomes rows in SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from agent.engine.context import JobContext
from agent.engine.control import SUBMIT_PLAN, PlanArgs, StepPlan
from agent.engine.deliberate import deliberate
from agent.engine.prompts import PLANNER_SYSTEM, planner_brief
from agent.faults import fault_point
from agent.record import Plan, PlannedStep
from sandbox import SandboxCallError
from state import StepSpec
from tools.search import ListArgs, list_files


def agents_md(ctx: JobContext) -> str | None:
    try:
        return ctx.reader.read_file("AGENTS.md")
    except SandboxCallError:
        return None


def specs(steps: Sequence[StepPlan]) -> list[StepSpec]:
    return [StepSpec(s.title, s.instructions, s.check, list(s.files)) for s in steps]


def make_plan(ctx: JobContext) -> None:
    """Plan once: a job that already has steps (resumed) keeps them."""
    if ctx.store.steps(ctx.job.id):
        return
    tree = list_files(ctx.reader, ListArgs())
    _, plan = deliberate(ctx, PLANNER_SYSTEM, planner_brief(ctx.job, tree, agents_md(ctx)), [SUBMIT_PLAN], "plan")
    assert isinstance(plan, PlanArgs)
    fault_point("plan.before_save")
    save_plan(ctx, plan)
    fault_point("plan.saved")


def save_plan(ctx: JobContext, plan: PlanArgs) -> None:
    test_command = ctx.settings.test_command or plan.test_command
    steps = ctx.store.save_plan(ctx.job.id, plan.summary, specs(plan.steps), test_command)
    ctx.job.test_command = test_command
    ctx.record.emit(
        Plan(
            summary=plan.summary,
            test_command=test_command,
            steps=[PlannedStep(id=s.id, title=s.title, check=s.check_command) for s in steps],
        )
    )
