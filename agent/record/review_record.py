"""What `review` prints (`--format json` as it is): the job record, what git holds, and each step's evidence."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from agent.record.job_record import AttemptRow, IssueFacts, JobFacts, JobOutcome, StepFacts, StepTime


class CheckResult(TypedDict):
    passed: bool
    """Whether the step's last check passed."""
    exit_code: int | None
    """Its exit status."""
    seconds: float | None
    """How long it ran."""
    runs: int
    """How often the step's check ran, over all attempts."""


class DecisionRow(TypedDict):
    why: str
    """Why the step's attempt failed."""
    decision: str | None
    """A `DecisionKind`, once decided."""
    detail: dict[str, Any] | None
    """The deciding tool's arguments, or the stop reason."""


class ReproductionRow(TypedDict):
    path: str
    """The test the job wrote that failed on the code as it was: committed with the fix."""
    tries: int
    """How many tests the model wrote until one reproduced the issue."""
    test: str
    """The test file."""


class StepEvidence(TypedDict):
    number: int
    """Its place in the plan, from 1, superseded steps included: what `--step` takes."""
    round: int
    """The review round that added it: 0 for the job as first run."""
    seconds: float | None
    """From its start to its end."""
    commit_on_branch: bool
    """Whether its commit is on the job's branch."""
    check_result: CheckResult | None
    """Its last check, if one ran."""
    out_of_scope: list[str]
    """Files its commit changed beyond those its plan named."""
    reproduction: ReproductionRow | None
    """With no failing test before the work: the test that reproduced the issue, shown first."""
    unverified: str | None
    """When nothing reproduced it: that no failing test verified the fix, and why this candidate was chosen."""
    decisions: list[DecisionRow]
    """Its failure reports and what was decided on them."""


class StepReview(StepFacts, StepEvidence):
    attempts: list[AttemptRow]
    """Its attempts, in order."""
    time: StepTime | None
    """Where its time went, once it ran."""


class CommitRow(TypedDict):
    sha: str
    subject: str
    step: int | None
    """The step id its `Sparkwright-Step` trailer names."""
    authored: str
    """When, ISO 8601."""


class FileRow(TypedDict):
    path: str
    status: str
    """git's name-status letter: A, M, D."""
    insertions: int | None
    """Lines added; none for a binary file."""
    deletions: int | None
    """Lines removed; none for a binary file."""


class TestEvidence(TypedDict):
    command: str | None
    """The full test command, if there was one."""
    passed: bool
    exit_code: int | None
    seconds: float | None
    summary: str
    """The last non-empty line of its output (pytest's tally)."""


class Round(TypedDict):
    round: int
    """0 for the job as first run; each `revise` starts the next."""
    feedback: str | None
    """The reviewer's feedback that started the round."""
    revision: int | None
    """The plan revision that started it."""
    status: str | None
    """How the round ended (a `JobStatus`), none while it runs."""
    reason: str | None
    """Why."""
    summary: str | None
    """The final review's summary of the round."""
    uncertainties: list[str]
    """What its final review asks a reviewer to double-check."""
    test_runs: list[TestEvidence]
    """Its full test runs."""


class ReviewRecord(JobFacts, JobOutcome):
    """`review --format json`: the job record (as `show --json`), what git holds, and the review's evidence."""

    steps: list[StepReview]
    """The plan's steps in order, with their evidence."""
    head: str
    """The branch's head commit."""
    commits: list[CommitRow]
    """The branch's commits since the base, oldest first."""
    diff: str
    """The whole change against the base."""
    files: list[FileRow]
    """Every file the branch changed."""
    tests_changed: list[str]
    """The test files among them, listed first for a reviewer."""
    fixes: int | None
    """The issue number for "Fixes #N"."""
    rounds: list[Round]
    """The job's rounds: its first run and one per `revise`."""
    working_seconds: float
    """Time the job was actually running."""


class ModelLine(TypedDict):
    kind: Literal["model"]
    text: str
    """What the model wrote, in short, and the tools it called."""
    tokens: int


class ToolLine(TypedDict):
    kind: Literal["tool"]
    text: str
    """The call with its arguments, in short."""
    ok: bool
    output: str
    """The first line of what the tool answered."""


class CheckLine(TypedDict):
    kind: Literal["check"]
    text: str
    """The worker's call that ran the check."""
    ok: bool
    exit_code: int | None
    seconds: float | None
    output: str
    """The last non-empty line of its output."""


TranscriptLine = ModelLine | ToolLine | CheckLine


class AttemptDetail(AttemptRow):
    seconds: float | None
    """From its start to its end."""
    transcript: list[TranscriptLine]
    """Its model calls, tool calls and checks, in short."""
    diff: str | None
    """The edits of a failed attempt (a passing one's are its step's commit)."""


class StepDetail(StepFacts, StepEvidence):
    """One step as `review --step K` shows it."""

    attempts: list[AttemptDetail]
    """Its attempts with their transcripts."""
    time: StepTime | None
    """Where its time went, once it ran."""
    diff: str | None
    """`git show` of its commit, when that is on the branch."""


class StepView(TypedDict):
    """`review --step K`."""

    job: str
    issue: IssueFacts
    branch: str
    step: StepDetail
