"""Tools that steer the loops rather than act on files: the loops interpret these calls themselves."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from state import StepSpec
from tools import Tool


class FinishArgs(BaseModel):
    summary: str = Field("", description="One line: what you changed.")


class StuckArgs(BaseModel):
    reason: str = Field(description="What you tried and why it did not work.")
    hypothesis: str = Field("", description="Your best guess at the real problem.")


class NoArgs(BaseModel):
    pass


class StepPlan(BaseModel):
    title: str = Field(description="Short imperative title; becomes the commit subject.")
    instructions: str = Field(description="What to change, concretely, for a fast junior model.")
    files: list[str] = Field(default_factory=list, description="Files the step reads or edits.")
    check: str = Field(description="Shell command that passes once the step is done.")


class PlanArgs(BaseModel):
    summary: str = Field(description="Two or three sentences: the problem and the approach.")
    steps: list[StepPlan] = Field(min_length=1)
    test_command: str = Field(description="The repository's full test command.")


class RetryArgs(BaseModel):
    guidance: str = Field(description="Precise guidance for the worker's next attempt.")
    keep_edits: bool = Field(False, description="Keep the failed attempt's edits as the starting point.")


class SplitArgs(BaseModel):
    reason: str
    steps: list[StepPlan] = Field(min_length=1)


class ReviseArgs(BaseModel):
    reason: str
    steps: list[StepPlan] = Field(description="Replacement for all remaining steps (may be empty).")


class TakeOverArgs(BaseModel):
    reason: str = Field("", description="What the worker missed, as guidance for yourself.")


class StopArgs(BaseModel):
    explanation: str = Field(description="Honest account of what is done, what is left and why the job stops.")


class FinishJobArgs(BaseModel):
    summary: str = Field(description="What the job changed and how it was verified.")
    uncertainties: list[str] = Field(default_factory=list, description="Anything a reviewer should double-check.")


class AddStepsArgs(BaseModel):
    reason: str
    steps: list[StepPlan] = Field(min_length=1)


def _noop(_: BaseModel) -> str:
    return "ok"


def control(name: str, description: str, args: type[BaseModel]) -> Tool:
    return Tool(name, description, args, _noop)


FINISH = control("finish", "The step is complete: the orchestrator now runs its check.", FinishArgs)
STUCK = control("stuck", "You cannot make progress: report what you tried and your hypothesis.", StuckArgs)
RUN_CHECK = control("run_check", "Run the step's check command now and see its output.", NoArgs)
SUBMIT_PLAN = control("submit_plan", "Submit the plan; ends exploration.", PlanArgs)
DECISIONS = [
    control("retry", "Retry the step with guidance for the worker.", RetryArgs),
    control("split", "Replace the step with smaller steps.", SplitArgs),
    control("revise", "Replace all remaining steps with a new plan.", ReviseArgs),
    control("take_over", "Do the step yourself with the worker's tools.", TakeOverArgs),
    control("stop", "Stop the job with an honest explanation.", StopArgs),
]
FINISH_JOB = control("finish_job", "The issue is resolved: end the job.", FinishJobArgs)
ADD_STEPS = control("add_steps", "Add follow-up steps to the plan.", AddStepsArgs)


def specs(steps: Sequence[StepPlan]) -> list[StepSpec]:
    return [StepSpec(s.title, s.instructions, s.check, list(s.files)) for s in steps]
