"""Every kind of event by name, and the record's events read back as their models."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, overload

from agent.record.base import EventModel
from agent.record.call_events import ModelCall, Steering, ToolCall
from agent.record.job_events import (
    Approval,
    DeliberationEnded,
    Delivered,
    Feedback,
    JobFinished,
    JobInterrupted,
    JobResumed,
    JobStarted,
    Plan,
    PlanRejected,
    Review,
    SandboxSetup,
    TestRun,
    Triaged,
)
from agent.record.step_events import (
    Agreement,
    AttemptFinished,
    AttemptStarted,
    Check,
    Decision,
    Duplicate,
    EditsUndone,
    Escalation,
    PlanCheck,
    Reproduced,
    ReproductionTried,
    StepDone,
    TestsRestored,
    WorkspaceRepaired,
)
from state import SqlStore

log = logging.getLogger(__name__)
E = TypeVar("E", bound=EventModel)
EVENT_TYPES: dict[str, type[EventModel]] = {
    model.kind: model
    for model in (
        JobStarted,
        JobResumed,
        JobFinished,
        JobInterrupted,
        SandboxSetup,
        Delivered,
        DeliberationEnded,
        Plan,
        Approval,
        Triaged,
        PlanRejected,
        Feedback,
        Review,
        TestRun,
        AttemptStarted,
        PlanCheck,
        AttemptFinished,
        StepDone,
        Check,
        Escalation,
        Decision,
        Duplicate,
        Reproduced,
        ReproductionTried,
        Agreement,
        EditsUndone,
        WorkspaceRepaired,
        TestsRestored,
        ModelCall,
        ToolCall,
        Steering,
    )
}


class UnknownEventKind(ValueError):
    """An event kind no model describes: add a model for it in agent/record."""


def event_from(kind: str, fields: dict[str, Any]) -> EventModel:
    """An emitter's kind and fields as the kind's model; a field the model does not have is an error."""
    if kind not in EVENT_TYPES:
        raise UnknownEventKind(f"no event kind {kind!r}: add its model to agent/record")
    return EVENT_TYPES[kind].model_validate(fields)


@dataclass(frozen=True)
class Recorded(Generic[E]):
    """One event of a job as recorded: when, where in the job, and the typed event."""

    job_id: str
    ts: datetime
    step_id: int | None
    attempt_id: int | None
    event: E

    def line(self) -> dict[str, Any]:
        """The event as `--json` prints it while the job runs."""
        return {
            "ts": self.ts.isoformat(timespec="milliseconds"),
            "job": self.job_id,
            "kind": self.event.kind,
            "step": self.step_id,
            "attempt": self.attempt_id,
            **self.event.payload(),
        }


@overload
def read_events(
    store: SqlStore, job_id: str, kind: type[E], /, *, attempt_id: int | None = None, step_id: int | None = None
) -> list[Recorded[E]]: ...


@overload
def read_events(
    store: SqlStore, job_id: str, *types: type[EventModel], attempt_id: int | None = None, step_id: int | None = None
) -> list[Recorded[EventModel]]: ...


def read_events(
    store: SqlStore, job_id: str, *types: type[EventModel], attempt_id: int | None = None, step_id: int | None = None
) -> list[Recorded[Any]]:
    """The job's events of these types (all when none are named), oldest first."""
    rows = store.events(job_id, kinds=[t.kind for t in types] or None, attempt_id=attempt_id, step_id=step_id)
    found: list[Recorded[Any]] = []
    for row in rows:
        if row.kind not in EVENT_TYPES:
            # Written by a newer sparkwright: this one cannot say what it means.
            log.debug("skipping event %s of unknown kind %r", row.id, row.kind)
            continue
        found.append(Recorded(job_id, row.ts, row.step_id, row.attempt_id, EVENT_TYPES[row.kind].read(row.payload)))
    return found


def record_event(store: SqlStore, job_id: str, event: EventModel) -> None:
    """Store one event directly, for commands that run no recorder (`push`) or after it closed."""
    store.add_event(job_id, event.kind, event.payload())
