"""Events of the job as a whole: its runs, its plan and its rounds, the sandbox, the final review, delivery."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from agent.record.base import EventModel, PlannedStep, PlanPath, ReviewDecision
from state import JobStatus


class JobStarted(EventModel):
    kind = "job_started"
    branch: str
    """The branch the job commits to."""


class JobResumed(EventModel):
    kind = "job_resumed"
    branch: str
    """The branch the job commits to."""


class JobFinished(EventModel):
    kind = "job_finished"
    status: JobStatus
    """Succeeded or failed."""
    reason: str
    """Why, in words for the user."""
    traceback: str | None = None
    """The traceback of an internal error, when one ended the job."""


class JobInterrupted(EventModel):
    kind = "job_interrupted"
    reason: str
    """What stopped the job (Ctrl-C, the model or the sandbox failing); `resume` continues it."""


class SandboxSetup(EventModel):
    kind = "sandbox_setup"
    ok: bool
    """Whether the setup command succeeded."""
    log: str
    """The tail of its output."""


class Delivered(EventModel):
    kind = "delivered"
    branch: str
    """The branch pushed to `origin`."""
    commit: str
    """The commit pushed."""
    pull_request: str | None = None
    """The draft pull request's URL, when one was opened."""


class Plan(EventModel):
    kind = "plan"
    summary: str
    """The planner's account of the problem and the approach."""
    test_command: str | None = None
    """The repository's full test run."""
    steps: list[PlannedStep] = Field(default_factory=list)
    """The steps planned, in order."""
    path: PlanPath = PlanPath.PLANNED
    """Who made the plan: the planner, the quick path (no planner call) or the fallback after invalid plans."""
    why: str | None = None
    """Why the quick path or the fallback was taken."""


class Triaged(EventModel):
    kind = "triage"
    test_command: str
    """The full test run triage ran."""
    passed: bool
    """Whether nothing failed before any change (it passed, or found no test)."""
    no_tests: bool = False
    """It found no test to run."""
    failing_tests: list[str] = Field(default_factory=list)
    """The failing tests' node ids."""
    check: str
    """The narrowest command that fails now."""
    files: list[str] = Field(default_factory=list)
    """The files the issue, its traceback, its names and the failing tests point to."""
    small: bool = False
    """One failing test file, or a traceback or the issue's names pointing to one source file."""
    seconds: float | None = None
    """How long the test run took."""


class PlanRejected(EventModel):
    kind = "plan_rejected"
    number: int
    """Which of the planner's plans this was, from 1."""
    problems: list[str]
    """Why it cannot work, one line per problem, as the planner was told."""


class Approval(EventModel):
    kind = "approval"
    decision: Literal["waiting", "approved", "rejected"]
    """The plan waits for the user, or the user approved or rejected it."""
    edited: bool = False
    """The user replaced the plan's steps while approving it."""
    reason: str = ""
    """Why the user rejected it."""


class Feedback(EventModel):
    kind = "feedback"
    feedback: str
    """What the reviewer asked for."""
    revision: int
    """The plan revision that starts the round."""
    reason: str = ""
    """The planner's reading of the feedback."""
    retired: list[int] = Field(default_factory=list)
    """Failed or skipped steps retired by the round."""
    steps: list[PlannedStep] = Field(default_factory=list)
    """The follow-up steps planned."""


class Review(EventModel):
    kind = "review"
    decision: ReviewDecision
    """Finish the job, or add follow-up steps."""
    reason: str | None = None
    """Why steps were added."""
    steps: list[str] = Field(default_factory=list)
    """The titles of the steps added."""
    summary: str | None = None
    """What the job changed and how it was verified, when it finishes."""
    uncertainties: list[str] = Field(default_factory=list)
    """What a reviewer should double-check."""


class TestRun(EventModel):
    __test__ = False  # a record, not a pytest class
    kind = "test_run"
    command: str | None = None
    """The full test command; none when no test command was planned or configured."""
    passed: bool = False
    """Whether it passed."""
    exit_code: int | None = None
    """Its exit status, when it ran."""
    seconds: float | None = None
    """How long it ran, when it ran."""
    output: str = ""
    """The tail of its output (or why it did not run)."""


class DeliberationEnded(EventModel):
    kind = "deliberation_ended"
    purpose: str
    """What the planner was deciding: "plan", "escalation", "review", "feedback"."""
    ended: str
    """"budget": its turns ran out; "loop": it made one call with the same result, or no call, 3 times."""
    reason: str
    """In words for the user."""
    repeated: str | None = None
    """The call it repeated, when it looped on one."""
