"""The job as plain data: what `show --json` prints and what `review` builds on. Dicts, so they print as JSON
as they are; these types say which keys each one has."""

from __future__ import annotations

from typing import TypedDict

Usage = dict[str, dict[str, float]]
"""Per tier (deep, fast): calls, tokens_in, tokens_out, model_seconds, tool_seconds, repeats (greedy requests sent
again), duplicates (replies that gave files already judged) and, where priced, cost_usd."""


class IssueFacts(TypedDict):
    title: str
    """The job's title: the issue's, or its first line."""
    url: str | None
    """The GitHub issue, when the job came from one."""
    text: str
    """The issue's text."""


class ModelNames(TypedDict):
    deep: str
    """The planner's `provider:model`."""
    fast: str
    """The worker's `provider:model`."""


class RevisionRow(TypedDict):
    number: int
    """The revision's number, from 1."""
    kind: str
    """A `RevisionKind`."""
    reason: str
    """Why the plan changed (the plan's summary for the first)."""


class PlanFacts(TypedDict):
    summary: str | None
    """The planner's account of the problem and the approach."""
    test_command: str | None
    """The repository's full test run."""
    revisions: list[RevisionRow]
    """Every change to the plan, in order."""


class AttemptRow(TypedDict):
    number: int
    """The attempt's number within its step."""
    tier: str
    """Who made it: fast or deep."""
    status: str
    """An `AttemptStatus`."""
    reason: str | None
    """Why it ended as it did."""
    turns: int
    """Model calls it made."""
    tokens_in: int
    """Prompt tokens it used."""
    tokens_out: int
    """Completion tokens it used."""


class StepFacts(TypedDict):
    id: int
    """The step's id in the record."""
    title: str
    """Its title, the commit subject."""
    status: str
    """A `StepStatus`."""
    check: str
    """The command that must pass."""
    commit: str | None
    """Its commit, once done."""
    executor: str
    """Who works on it: fast, or deep after a take-over."""
    escalations: int
    """How often it went back to the planner."""
    revision: int
    """The plan revision that added it."""
    result: str | None
    """What the worker said it changed."""


class StepTime(TypedDict):
    seconds: float
    """From its start to its end (a resumed step counts from its first start)."""
    model: float
    """Of those, waiting for model replies."""
    tests: float
    """Running its check and its reproductions."""
    tools: float
    """Running the worker's other tool calls."""
    own: float
    """The rest: sparkwright's own time between them."""
    first_token: float | None
    """Seconds from its start to its first model token (None when no reply was streamed)."""


class StepRow(StepFacts):
    attempts: list[AttemptRow]
    """Its attempts, in order."""
    time: StepTime | None
    """Where its time went, once it ran."""


class EscalationRow(TypedDict):
    step: int
    """The id of the step that failed."""
    why: str
    """Why its attempt failed."""
    decision: str | None
    """A `DecisionKind`, once decided."""


class JobFacts(TypedDict):
    id: str
    """The job's id."""
    status: str
    """A `JobStatus`, a dead owner's lease read as interrupted."""
    reason: str | None
    """Why the job ended as it did."""
    issue: IssueFacts
    """What the job was asked to do."""
    repo: str
    """The user's repository."""
    branch: str
    """The job's branch."""
    base_commit: str
    """The commit the branch starts from."""
    models: ModelNames
    """The models of both tiers."""
    plan: PlanFacts
    """The plan and its revisions."""


class RunRow(TypedDict):
    host: str
    """The host that held the job's lease."""
    owner: str
    """host:pid of the process."""
    started: str
    """When it took the lease."""
    released: str | None
    """When the lease ended; None while it runs."""
    ended: str | None
    """released (the process let go) or taken over (its heartbeat had stopped)."""


class JobOutcome(TypedDict):
    escalations: list[EscalationRow]
    """Every failure report and what was decided on it."""
    summary: str | None
    """The final review's account of what the job changed."""
    uncertainties: list[str]
    """What the final review asks a reviewer to double-check."""
    usage: Usage
    """Model calls, tokens, time and cost per tier."""
    first_token_seconds: float | None
    """From the job's start to its first model token (None when no reply was streamed)."""
    runs: list[RunRow]
    """Where the job ran: each holding of its lease, oldest first."""


class JobRecord(JobFacts, JobOutcome):
    """`show --json` (before its `events`): the job, its plan and its steps with their attempts."""

    steps: list[StepRow]
    """The plan's steps in order, superseded ones included."""
