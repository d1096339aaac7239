"""Tables. Transcripts, tool output and diffs live here, append-only, never in graph state."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


Tier = Literal["deep", "fast"]
"""Which model does the work: the fast one (the worker) or the deep one (the planner)."""


class Base(DeclarativeBase):
    pass


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    """Submitted to the queue (`submit`); no worker has taken it yet."""
    PLANNING = "planning"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    AWAITING_APPROVAL = "awaiting approval"
    """Planned with `approve_plan` on: the job waits for `approve` or `reject`; no process holds it."""

    @property
    def finished(self) -> bool:
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class StepStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SUPERSEDED = "superseded"
    SKIPPED = "skipped"


class AttemptStatus(enum.StrEnum):
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class RevisionKind(enum.StrEnum):
    """Why the plan changed: its first version, an escalation's decision, the final review, a reviewer's feedback."""

    INITIAL = "initial"
    QUICK = "quick"
    """The first plan, made without the planner: one step for the fast worker."""
    FALLBACK = "fallback"
    """The first plan, the quick one step, after the planner's plans could not work."""
    RETRY = "retry"
    SPLIT = "split"
    REVISE = "revise"
    TAKE_OVER = "take_over"
    STOP = "stop"
    REVIEW = "review"
    FEEDBACK = "feedback"
    EDIT = "edit"
    """The user edited the plan while approving it."""


class DecisionKind(enum.StrEnum):
    """What the planner decided on a failure report; `limit` is the stop sparkwright makes itself when a step or
    the job has used up its escalations."""

    RETRY = "retry"
    SPLIT = "split"
    REVISE = "revise"
    TAKE_OVER = "take_over"
    STOP = "stop"
    LIMIT = "limit"


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    status: Mapped[str] = mapped_column(String(24), default=JobStatus.PLANNING.value)
    issue_title: Mapped[str] = mapped_column(Text, default="")
    issue_text: Mapped[str] = mapped_column(Text)
    issue_url: Mapped[str | None] = mapped_column(Text)
    issue_comments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    repo_path: Mapped[str] = mapped_column(Text)
    """The repository on the host that runs the job; a queued job's is set by the worker that takes it."""
    repo_url: Mapped[str | None] = mapped_column(Text)
    """Where a queued job's repository is cloned from, on whichever host runs it."""
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)
    """When `submit` queued the job: only queued jobs are resumed by the queue's sweep."""
    stop_requested_at: Mapped[datetime | None] = mapped_column(DateTime)
    """`stop` asked the job to stop, from any machine: its process stops at its next heartbeat."""
    base_commit: Mapped[str] = mapped_column(String(64))
    branch: Mapped[str] = mapped_column(Text)
    worktree_path: Mapped[str] = mapped_column(Text)
    deep_model: Mapped[str] = mapped_column(Text)
    fast_model: Mapped[str] = mapped_column(Text)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    test_command: Mapped[str | None] = mapped_column(Text)
    plan_summary: Mapped[str | None] = mapped_column(Text)
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    uncertainties: Mapped[list[str]] = mapped_column(JSON, default=list)
    lease_owner: Mapped[str | None] = mapped_column(String(160))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)


class PlanRevision(Base):
    __tablename__ = "plan_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    """A `RevisionKind`."""
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Step(Base):
    __tablename__ = "steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    position: Mapped[float] = mapped_column(Float)
    title: Mapped[str] = mapped_column(Text)
    instructions: Mapped[str] = mapped_column(Text)
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    check_command: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=StepStatus.PENDING.value)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    guidance: Mapped[str | None] = mapped_column(Text)
    executor: Mapped[Tier] = mapped_column(String(8), default="fast")
    """Which tier does the work: fast (the worker) or deep (the planner took it over)."""
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    check_output: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)
    escalations: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class Attempt(Base):
    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    tier: Mapped[Tier] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.RUNNING.value)
    """An `AttemptStatus`."""
    reason: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    hypothesis: Mapped[str | None] = mapped_column(Text)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    tokens_in: Mapped[int] = mapped_column(Integer, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, default=0)
    diff: Mapped[str | None] = mapped_column(Text)
    check_output: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class FailureReport(Base):
    __tablename__ = "failure_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("steps.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    """What was learned from the failed step, as `agent.record.FailureReport` writes it."""
    decision: Mapped[str | None] = mapped_column(String(16))
    """A `DecisionKind`, once the planner decided."""
    decision_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(Integer)
    attempt_id: Mapped[int | None] = mapped_column(Integer)
    ts: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The event's fields, as the model for its `kind` in `agent.record` writes them."""


class Steering(Base):
    __tablename__ = "steering"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Lease(Base):
    """One holding of a job's lease: who ran it, from when to when. Two rows of a job never overlap."""

    __tablename__ = "leases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    owner: Mapped[str] = mapped_column(String(160))
    """host:pid of the process."""
    acquired_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended: Mapped[str | None] = mapped_column(String(24))
    """released (the process let go) or taken over (its heartbeat had stopped)."""

    @property
    def host(self) -> str:
        return self.owner.rpartition(":")[0] or self.owner


class JobBranch(Base):
    """The job branch's commits since its base as a git bundle, saved after every step commit, so a job
    taken over on another host carries on from its last finished step."""

    __tablename__ = "job_branches"
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), primary_key=True)
    head: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
