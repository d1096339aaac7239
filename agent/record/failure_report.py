"""The failure report: what the planner reads when a step fails. Not the transcript: what was learned."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from state import AttemptStatus, Tier


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReportedStep(_Strict):
    id: int
    """The step's id."""
    title: str
    """Its title."""
    instructions: str
    """What the plan asked of it."""
    check: str
    """The command that had to pass."""
    guidance_given: str | None
    """The planner's guidance for this attempt, if it was a retry."""
    executor: Tier
    """Who worked on it: the fast worker, or the deep planner that took it over."""


class ReportedAttempt(_Strict):
    number: int
    """The attempt's number within the step."""
    tier: Tier
    """Who made it."""
    status: AttemptStatus
    """How it ended."""
    reason: str | None
    """Why, in words."""


class BudgetUsed(_Strict):
    turns: int
    """Model calls of the last attempt."""
    tokens: int
    """Its tokens, in and out."""


class FailureReport(_Strict):
    step: ReportedStep
    """The step that failed."""
    why: str
    """Why its last attempt failed."""
    attempts: list[ReportedAttempt]
    """Every attempt at the step so far."""
    last_actions: list[str]
    """The last attempt's tool calls, one short line each, most recent last."""
    last_diff: str
    """The last attempt's edits (discarded unless the planner keeps them), cut in the middle."""
    check_output_tail: str
    """The end of the last check's output, or a note that it never ran."""
    worker_hypothesis: str
    """The worker's guess at the real problem, when it said it was stuck."""
    budget_used: BudgetUsed
    """What the last attempt spent."""

    def stored(self) -> dict:
        """The report as the `failure_reports` table keeps it."""
        return self.model_dump(mode="json")
