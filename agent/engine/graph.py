"""The planner graph. State holds ids and flags only; everything else lives in sparkwright's tables.

plan → (approve_plan) → next_step ⇄ work → (escalate) → … → final_review → (more steps | finish)
Every node with side effects checks whether its effect already happened: a resumed node re-runs."""

from __future__ import annotations

from typing import Literal, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from agent.engine.context import JobContext
from agent.engine.decisions.approval import approve_node
from agent.engine.decisions.escalation import escalate
from agent.engine.decisions.final_review import final_review
from agent.engine.planning.planner import make_plan
from agent.engine.step.formats.single_prompt import issue_as_given
from agent.engine.step.reproduce import asks_for_test
from agent.engine.step.steps import run_step
from agent.faults import fault_point
from agent.record import JobFinished
from agent.test_files import is_test_path
from state import JobStatus, StepStatus


class JobState(TypedDict, total=False):
    step_id: int | None
    """The step in hand, or None when no step is left."""
    report_id: int | None
    """A failure report waiting for the planner's decision."""
    review_rounds: int
    """Final reviews done so far."""
    tests_passed: bool | None
    """The last full test run's verdict."""
    more_steps: bool
    """The final review added follow-up steps."""
    stop_reason: str | None
    """Why the job stopped early, in words for the user."""


def plan_node(state: JobState, runtime: Runtime[JobContext]) -> JobState:
    make_plan(runtime.context)
    return {}


def next_step_node(state: JobState, runtime: Runtime[JobContext]) -> JobState:
    step = runtime.context.store.next_step(runtime.context.job.id)
    return {"step_id": step.id if step else None, "report_id": None}


def work_node(state: JobState, runtime: Runtime[JobContext]) -> JobState:
    step_id = state["step_id"]
    assert step_id is not None, "after_next_step routes here only with a step in hand"
    outcome = run_step(runtime.context, step_id)
    return {"report_id": outcome.report_id}


def escalate_node(state: JobState, runtime: Runtime[JobContext]) -> JobState:
    report_id = state["report_id"]
    assert report_id is not None, "after_work routes here only with a report waiting"
    decision = escalate(runtime.context, report_id)
    return {"report_id": None, "stop_reason": decision.stop_reason}


def review_node(state: JobState, runtime: Runtime[JobContext]) -> JobState:
    rounds = state.get("review_rounds", 0)
    review = final_review(runtime.context, rounds)
    return {"review_rounds": rounds + 1, "tests_passed": review.tests_passed, "more_steps": review.more_steps}


def finish_node(state: JobState, runtime: Runtime[JobContext]) -> JobState:
    ctx = runtime.context
    steps = ctx.store.steps(ctx.job.id)
    unfinished = [s.title for s in steps if s.status not in (StepStatus.DONE.value, StepStatus.SUPERSEDED.value)]
    on_branch = ctx.workspace.branch_commits(ctx.job.base_commit)
    lost = [s.title for s in steps if s.status == StepStatus.DONE.value and s.commit_sha not in on_branch]
    if stop_reason := state.get("stop_reason"):
        status, reason = JobStatus.FAILED, stop_reason
    elif unfinished:
        status, reason = JobStatus.FAILED, f"steps not done: {', '.join(unfinished)}"
    elif lost:
        status, reason = (
            JobStatus.FAILED,
            f"the commits of these done steps are no longer on {ctx.job.branch}: {', '.join(lost)}",
        )
    elif not state.get("tests_passed"):
        status, reason = JobStatus.FAILED, "all steps are done but the full test run failed"
    else:
        status, reason = JobStatus.SUCCEEDED, "all steps done and the full test run passed"
        if _test_asked_for_but_none_added(ctx):
            reason += "; the issue asks for a test, and no test file is among the changes: add one before merging"
    fault_point("finish.before")
    ctx.store.update_job(ctx.job.id, status=status.value, outcome_reason=reason)
    ctx.record.emit(JobFinished(status=status, reason=reason))
    fault_point("finish.after")
    return {}


def _test_asked_for_but_none_added(ctx: JobContext) -> bool:
    """The issue asks for a test with the fix and no test file is among the job's changes (its own reproducing test
    may have been left out as wrong): a success that must say so."""
    if not asks_for_test(issue_as_given(ctx.job)):
        return False
    return not any(is_test_path(path) for path in ctx.workspace.committed_paths(ctx.job.base_commit))


def after_next_step(state: JobState) -> Literal["work", "final_review"]:
    return "work" if state.get("step_id") else "final_review"


def after_work(state: JobState) -> Literal["escalate", "next_step"]:
    return "escalate" if state.get("report_id") else "next_step"


def after_escalate(state: JobState) -> Literal["finish", "next_step"]:
    return "finish" if state.get("stop_reason") else "next_step"


def after_review(state: JobState) -> Literal["next_step", "finish"]:
    return "next_step" if state.get("more_steps") else "finish"


JobGraph = CompiledStateGraph[JobState, JobContext, JobState, JobState]
"""The compiled planner graph: JobState in and out, a JobContext as its runtime context."""


def build_graph(checkpointer: BaseCheckpointSaver | None) -> JobGraph:
    graph = StateGraph(JobState, context_schema=JobContext)
    graph.add_node("plan", plan_node)
    graph.add_node("approve_plan", approve_node)
    graph.add_node("next_step", next_step_node)
    graph.add_node("work", work_node)
    graph.add_node("escalate", escalate_node)
    graph.add_node("final_review", review_node)
    graph.add_node("finish", finish_node)
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "approve_plan")
    graph.add_edge("approve_plan", "next_step")
    graph.add_conditional_edges("next_step", after_next_step)
    graph.add_conditional_edges("work", after_work)
    graph.add_conditional_edges("escalate", after_escalate)
    graph.add_conditional_edges("final_review", after_review)
    graph.add_edge("finish", END)
    return graph.compile(checkpointer=checkpointer)
