"""Plan, step and attempt rows, and the failure reports escalations read. Each change to the plan is one
transaction, so a crash never leaves half a revision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from sqlalchemy import func, select, update

from state.connection import Connection
from state.fields import AttemptFields, StepFields
from state.models import (
    Attempt,
    AttemptStatus,
    DecisionKind,
    FailureReport,
    Job,
    JobStatus,
    PlanRevision,
    RevisionKind,
    Step,
    StepStatus,
    Tier,
    utcnow,
)
from state.plan_rows import PlanChange, StepSpec, add_revision, add_steps


class PlanStore(Connection):
    def revisions(self, job_id: str) -> Sequence[PlanRevision]:
        return self._all(select(PlanRevision).where(PlanRevision.job_id == job_id).order_by(PlanRevision.number))

    def save_plan(
        self,
        job_id: str,
        summary: str,
        specs: Sequence[StepSpec],
        test_command: str | None,
        kind: RevisionKind = RevisionKind.INITIAL,
    ) -> list[Step]:
        with self.session() as s:
            revision = add_revision(s, job_id, kind, summary)
            s.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(plan_summary=summary, test_command=test_command, status=JobStatus.RUNNING.value)
            )
            return add_steps(s, job_id, specs, revision)

    def revise_plan(self, job_id: str, change: PlanChange) -> list[Step]:
        """Record a plan revision and everything it changes, atomically: retired steps, new steps,
        step field updates and (for an escalation) the failure report's decision."""
        with self.session() as s:
            revision = add_revision(s, job_id, change.kind, change.reason)
            if change.retire:
                retired = update(Step).where(Step.id.in_(change.retire))
                s.execute(retired.values(status=change.retire_as.value, finished_at=utcnow()))
            for step_id, fields in change.step_updates.items():
                s.execute(update(Step).where(Step.id == step_id).values(**fields))
            if change.report:
                report = change.report
                s.execute(
                    update(FailureReport)
                    .where(FailureReport.id == report.report_id)
                    .values(decision=DecisionKind(report.decision).value, decision_detail=report.detail)
                )
            if not change.specs:
                return []
            return add_steps(s, job_id, change.specs, revision, change.after, change.parent_id)

    def steps(self, job_id: str) -> Sequence[Step]:
        return self._all(select(Step).where(Step.job_id == job_id).order_by(Step.position))

    def step(self, step_id: int) -> Step:
        with self.session() as s:
            return s.get_one(Step, step_id)

    def next_step(self, job_id: str) -> Step | None:
        """The first step not finished: a running one (interrupted) comes before pending ones."""
        unfinished = (StepStatus.RUNNING.value, StepStatus.PENDING.value)
        with self.session() as s:
            return s.scalars(
                select(Step).where(Step.job_id == job_id, Step.status.in_(unfinished)).order_by(Step.position).limit(1)
            ).first()

    def update_step(self, step_id: int, **fields: Unpack[StepFields]) -> None:
        with self.session() as s:
            s.execute(update(Step).where(Step.id == step_id).values(**fields))

    # attempts
    def start_attempt(self, job_id: str, step_id: int, tier: Tier) -> Attempt:
        with self.session() as s:
            number = (s.scalar(select(func.count()).select_from(Attempt).where(Attempt.step_id == step_id)) or 0) + 1
            attempt = Attempt(job_id=job_id, step_id=step_id, number=number, tier=tier)
            s.add(attempt)
        return attempt

    def finish_attempt(self, attempt_id: int, **fields: Unpack[AttemptFields]) -> None:
        with self.session() as s:
            s.execute(update(Attempt).where(Attempt.id == attempt_id).values(finished_at=utcnow(), **fields))

    def attempts(self, job_id: str, step_id: int | None = None) -> Sequence[Attempt]:
        query = select(Attempt).where(Attempt.job_id == job_id)
        if step_id is not None:
            query = query.where(Attempt.step_id == step_id)
        return self._all(query.order_by(Attempt.id))

    def mark_running_attempts_interrupted(self, job_id: str) -> int:
        with self.session() as s:
            running = Attempt.job_id == job_id, Attempt.status == AttemptStatus.RUNNING.value
            result = s.execute(
                update(Attempt)
                .where(*running)
                .values(status=AttemptStatus.INTERRUPTED.value, finished_at=utcnow(), reason="the process stopped")
            )
            return result.rowcount  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult; the stub says Result

    # escalation
    def add_failure_report(self, job_id: str, step_id: int, report: dict[str, Any]) -> int:
        with self.session() as s:
            row = FailureReport(job_id=job_id, step_id=step_id, report=report)
            s.add(row)
            s.flush()
            return row.id

    def failure_reports(self, job_id: str) -> Sequence[FailureReport]:
        return self._all(select(FailureReport).where(FailureReport.job_id == job_id).order_by(FailureReport.id))
