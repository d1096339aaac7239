"""Rows of a plan revision: what a revision changes (`PlanChange`), the revision itself and its steps, inserted
in one session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from state.fields import StepFields
from state.models import DecisionKind, PlanRevision, RevisionKind, Step, StepStatus


@dataclass
class StepSpec:
    title: str
    instructions: str
    check_command: str
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ReportDecision:
    """The planner's decision on a failure report, written with the revision it makes."""

    report_id: int
    decision: DecisionKind
    detail: dict[str, Any]


@dataclass(frozen=True)
class PlanChange:
    """One revision of the plan and everything it changes, which `revise_plan` writes in one transaction."""

    kind: RevisionKind
    reason: str
    specs: Sequence[StepSpec] = ()
    """New steps, inserted after position `after` (at the end when None)."""
    after: float | None = None
    parent_id: int | None = None
    """The step the new ones were split from."""
    retire: Sequence[int] = ()
    """Steps the revision ends, as `retire_as`."""
    retire_as: StepStatus = StepStatus.SUPERSEDED
    step_updates: Mapping[int, StepFields] = field(default_factory=dict)
    report: ReportDecision | None = None
    """For an escalation: the failure report's decision."""


def add_revision(s: Session, job_id: str, kind: RevisionKind, reason: str) -> int:
    number = (s.scalar(select(func.max(PlanRevision.number)).where(PlanRevision.job_id == job_id)) or 0) + 1
    s.add(PlanRevision(job_id=job_id, number=number, kind=RevisionKind(kind).value, reason=reason))
    return number


def add_steps(
    s: Session,
    job_id: str,
    specs: Sequence[StepSpec],
    revision: int,
    after: float | None = None,
    parent_id: int | None = None,
) -> list[Step]:
    """Insert steps after position `after` (at the end when None), shifting later steps."""
    if after is None:
        after = s.scalar(select(func.max(Step.position)).where(Step.job_id == job_id)) or 0.0
    else:
        s.execute(
            update(Step).where(Step.job_id == job_id, Step.position > after).values(position=Step.position + len(specs))
        )
    steps = [
        Step(
            job_id=job_id,
            position=after + i + 1,
            title=spec.title,
            instructions=spec.instructions,
            files=list(spec.files),
            check_command=spec.check_command,
            revision=revision,
            parent_id=parent_id,
        )
        for i, spec in enumerate(specs)
    ]
    s.add_all(steps)
    s.flush()
    return steps
