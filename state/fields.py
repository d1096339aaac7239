"""The columns a caller may set, typed: what `create_job`, `update_job`, `update_step`, `finish_attempt` and
`add_events` take. Ids, creation times and plan positions are the store's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict

from state.models import Tier


class JobFields(TypedDict, total=False):
    """A job's settable columns (`update_job` takes any of them; `create_job` these and `id`)."""

    status: str
    """A `JobStatus` value."""
    issue_title: str
    issue_text: str
    issue_url: str | None
    issue_comments: list[dict[str, Any]]
    repo_path: str
    repo_url: str | None
    queued_at: datetime | None
    stop_requested_at: datetime | None
    base_commit: str
    branch: str
    worktree_path: str
    deep_model: str
    fast_model: str
    settings: dict[str, Any]
    test_command: str | None
    plan_summary: str | None
    outcome_reason: str | None
    summary: str | None
    uncertainties: list[str]
    lease_owner: str | None
    heartbeat_at: datetime | None


class NewJob(JobFields):
    id: str


class StepFields(TypedDict, total=False):
    """What running, escalating or finishing a step changes of it."""

    status: str
    """A `StepStatus` value."""
    guidance: str | None
    executor: Tier
    check_command: str
    """Set once by the step itself when a test it wrote reproduces the issue (the check runs that test first)."""
    commit_sha: str | None
    check_output: str | None
    result: str | None
    escalations: int
    started_at: datetime | None
    finished_at: datetime | None


class AttemptFields(TypedDict, total=False):
    """How an attempt ended; `finish_attempt` stamps `finished_at` itself."""

    status: str
    """An `AttemptStatus` value."""
    reason: str | None
    summary: str | None
    hypothesis: str | None
    turns: int
    tokens_in: int
    tokens_out: int
    diff: str | None
    check_output: str | None


class EventRow(TypedDict):
    job_id: str
    kind: str
    payload: dict[str, Any]
    """The event's fields, as the model for its `kind` in `agent.record` writes them."""
    step_id: int | None
    attempt_id: int | None
    ts: NotRequired[datetime]
    """When it happened, naive UTC; now when not given."""
