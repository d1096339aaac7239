"""Events of one step: its attempts and checks, its commit, and what happens when it fails."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.record.base import AttemptOutcome, EventModel
from state import DecisionKind, Tier


class AttemptStarted(EventModel):
    kind = "attempt_started"
    number: int
    """The attempt's number within its step, from 1."""
    tier: Tier
    """Who works: the fast worker, or the deep planner that took the step over."""
    title: str
    """The step's title."""
    how: str = ""
    """The candidate: edit format, temperature, whether the failure was shown first."""


class PlanCheck(EventModel):
    kind = "plan_check"
    command: str
    """The step's check, run once before any work on the plan."""
    passed: bool
    """Whether it passed then (a planner's step must fail before it is done; a quick step may not)."""
    exit_code: int | None = None
    """Its exit status then; none for the quick step, whose output is the first full test run's."""
    output: str = ""
    """Its output cut to the failing part: what the worker can start from."""


class AttemptFinished(EventModel):
    kind = "attempt_finished"
    outcome: AttemptOutcome
    """How the attempt ended."""
    reason: str = ""
    """Why, in words."""
    turns: int = 0
    """Model calls it made."""
    seconds: float = 0.0
    """Wall-clock seconds it took."""


class StepDone(EventModel):
    kind = "step_done"
    title: str
    """The step's title."""
    commit: str
    """The step's commit on the job branch."""
    summary: str = ""
    """What the worker said it changed (or how the commit was found again after a crash)."""
    out_of_scope: list[str] = Field(default_factory=list)
    """Files the commit changed beyond those the plan named."""


class Check(EventModel):
    kind = "check"
    trigger: str = ""
    """What ran it: `before` the attempt, the worker's call (`finish`, `run_check`), or `without_reproduction` (a
    candidate the model's own reproducing test failed, judged by the rest of the check)."""
    passed: bool = False
    """Whether the step's check passed."""
    exit_code: int | None = None
    """Its exit status."""
    seconds: float | None = None
    """How long it ran."""
    output: str = ""
    """The tail of its output."""


class Escalation(EventModel):
    kind = "escalation"
    report_id: int
    """The failure report handed to the planner."""
    why: str = ""
    """Why the attempt failed."""


class Decision(EventModel):
    kind = "decision"
    report_id: int
    """The failure report decided on."""
    decision: DecisionKind
    """What the planner (or the escalation limit) decided."""
    detail: dict[str, Any] = Field(default_factory=dict)
    """The deciding tool's arguments (guidance, new steps, explanation), or the stop reason."""


class WorkspaceRepaired(EventModel):
    kind = "workspace_repaired"
    what: str
    """What was put back: the branch, HEAD, `.git`, the repository's config or hooks."""


class TestsRestored(EventModel):
    __test__ = False  # a record, not a pytest class
    kind = "tests_restored"
    paths: list[str]
    """Test files the step may not change, put back before its check ran."""


class EditsUndone(EventModel):
    kind = "edits_undone"
    reason: str
    """Why the attempt's last edits were undone (they made the check worse)."""


class Duplicate(EventModel):
    kind = "duplicate"
    tier: Tier = "fast"
    """Who replied."""
    state: str
    """The files' state the reply gave (a git tree id), already judged in this step: it was not checked again."""


class ReproductionTried(EventModel):
    kind = "reproduction_tried"
    number: int
    """The try, from 1 (the first greedy, the others sampled)."""
    kept: bool
    """Whether the test reproduced the issue: it ran and failed on the code as it was, by the bug."""
    why: str
    """Why it was kept or dropped."""
    output: str = ""
    """Its run's output cut to the failing part."""
    seconds: float | None = None
    """How long its run took (none when it did not run)."""


class Reproduced(EventModel):
    kind = "reproduced"
    path: str
    """Where the reproducing test was written: it joins the step's check and its commit."""
    test: str
    """The test file."""
    command: str
    """The command that runs it."""
    tries: int
    """How many tries it took."""


class ChosenCandidate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attempt: int
    """The attempt's number within its step."""
    how: str
    """Its candidate: format and temperature."""
    votes: int
    """How many candidates made the same change (formatting and comments aside)."""
    lines: int
    """The size of its diff, in changed lines."""
    chosen: bool = False


class Agreement(EventModel):
    kind = "agreement"
    candidates: list[ChosenCandidate]
    """Every candidate whose change passed the check (or its rest, the reproducing test left out), with its votes."""
    why: str
    """Why the chosen one won, and that no failing test verified it."""
