"""`SqlStore`: the job record in SQLite or Postgres through SQLAlchemy. Short sessions, versioned schema."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session, sessionmaker

from state.db import (
    DatabaseError,
    JobNotFound,
    LeaseHeld,
    LeaseLost,
    database_url,
    explain,
    is_sqlite,
    make_parent,
    sqlite_engine,
)
from state.leases import lease_live, release, swap_owner
from state.migrations import ForeignDatabase, SchemaTooNew, migrate, refuse_foreign
from state.models import (
    Attempt,
    AttemptStatus,
    DecisionKind,
    Event,
    FailureReport,
    Job,
    JobBranch,
    JobStatus,
    Lease,
    PlanRevision,
    RevisionKind,
    Steering,
    Step,
    StepStatus,
    Tier,
    utcnow,
)
from state.plan_rows import StepSpec, add_revision, add_steps
from state.postgres import database_clock, explain_postgres, postgres_engine


class SqlStore:
    def __init__(self, target: str | Path, busy_timeout: float = 10.0) -> None:
        """`target`: a SQLite file's path, or a database URL (sqlite:///PATH, postgresql+psycopg://…)."""
        self.url = database_url(target)
        self.sqlite = is_sqlite(self.url)
        self.engine = self._sqlite_engine(busy_timeout) if self.sqlite else postgres_engine(self.url)
        try:
            migrate(self.engine)
        except SADatabaseError as exc:
            self.engine.dispose()
            raise self._explain(exc) from None
        except SchemaTooNew as exc:
            self.engine.dispose()
            raise DatabaseError(str(exc)) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _sqlite_engine(self, busy_timeout: float) -> Engine:
        path = Path(str(self.url.database))
        make_parent(path)
        try:
            refuse_foreign(path)
        except ForeignDatabase as exc:
            raise DatabaseError(str(exc)) from None
        return sqlite_engine(path, busy_timeout)

    def _explain(self, exc: SADatabaseError) -> DatabaseError:
        if self.sqlite:
            return explain(exc, Path(str(self.url.database)))
        return explain_postgres(str(exc.orig), self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s:
            try:
                with s.begin():
                    yield s
            except SADatabaseError as exc:
                raise self._explain(exc) from None

    # jobs
    def create_job(self, **fields: Any) -> Job:
        with self.session() as s:
            job = Job(**fields)
            s.add(job)
        return job

    def job(self, job_id: str) -> Job:
        """The job whose id starts with `job_id`, taken literally (not as a LIKE pattern)."""
        if not job_id.strip():
            raise JobNotFound("no job id given: pass one from `sparkwright jobs`")
        with self.session() as s:
            matches = s.scalars(select(Job).where(Job.id.startswith(job_id, autoescape=True))).all()
        if len(matches) > 1:
            shown = ", ".join(sorted(j.id for j in matches)[:5])
            raise JobNotFound(f"job id {job_id!r} is ambiguous (matches {shown}): give more characters")
        if not matches:
            raise JobNotFound(f"no job {job_id!r}: see `sparkwright jobs` for the ids")
        return matches[0]

    def jobs(self) -> Sequence[Job]:
        with self.session() as s:
            return s.scalars(select(Job).order_by(Job.created_at.desc())).all()

    def delete_queued_job(self, job_id: str) -> None:
        """Undo `submit` for a job the broker never took: only a queued job's bare row goes."""
        with self.session() as s:
            s.execute(delete(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED.value))

    def update_job(self, job_id: str, **fields: Any) -> None:
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(**fields))

    def effective_status(self, job: Job, now: datetime | None = None) -> JobStatus:
        """The job's status, reading a dead owner's lease as `interrupted`. `now`: by `clock()`."""
        status = JobStatus(job.status)
        if status in (JobStatus.PLANNING, JobStatus.RUNNING) and not lease_live(job, now or self.clock()):
            return JobStatus.INTERRUPTED
        return status

    def stale_jobs(self) -> list[Job]:
        """Queued jobs a worker took whose lease is not live: the worker died, or lost the database for longer
        than LEASE_STALE_AFTER. Taken: planning or running, or still `queued` with a lease owner (it died while
        setting the job up). Oldest queued first."""
        active = Job.status.in_((JobStatus.PLANNING.value, JobStatus.RUNNING.value))
        taken = active | ((Job.status == JobStatus.QUEUED.value) & Job.lease_owner.is_not(None))
        with self.session() as s:
            now = self.clock(s)
            jobs = s.scalars(select(Job).where(Job.queued_at.is_not(None), taken).order_by(Job.queued_at)).all()
        return [job for job in jobs if not lease_live(job, now)]

    def requeue(self, job: Job, resend_after: timedelta) -> bool:
        """Whether to put a stale job back on the queue now, stamping `queued_at` when so: not when it was queued
        again since its last lease and not long ago (the message waits for a free worker), and by one sweep
        only when several run at once."""
        with self.session() as s:
            now = self.clock(s)
            taken = s.scalar(select(func.max(Lease.acquired_at)).where(Lease.job_id == job.id))
            queued = job.queued_at
            if queued and taken and queued > taken and now - queued < resend_after:
                return False
            stamp = update(Job).where(Job.id == job.id, Job.queued_at.is_not_distinct_from(queued))
            return bool(s.execute(stamp.values(queued_at=now)).rowcount)  # type: ignore[attr-defined]

    def clock(self, s: Session | None = None) -> datetime:
        """Now by the database's clock, naive UTC: the time leases are written in and judged by. SQLite runs in
        this process, so its clock is this host's."""
        if self.sqlite:
            return utcnow()
        if s is None:
            with self.session() as fresh:
                return self.clock(fresh)
        return s.execute(database_clock()).scalar_one()

    # leases: one live process per job, proven by a heartbeat (state.leases)
    def acquire_lease(self, job_id: str, owner: str, force: bool = False) -> None:
        """Of two processes racing for a job, one wins; a live owner's lease is taken only with `force`."""
        with self.session() as s:
            job, now = s.get_one(Job, job_id), self.clock(s)
            if job.lease_owner and job.lease_owner != owner and lease_live(job, now) and not force:
                raise LeaseHeld(
                    f"job {job_id} is running in another process ({job.lease_owner}): "
                    f"wait for it, or pass --force if that process is gone"
                )
            swapped = swap_owner(s, job, owner, now)
        if not swapped:
            raise LeaseHeld(f"job {job_id} was just taken by another process: see `sparkwright jobs`")

    def heartbeat(self, job_id: str, owner: str) -> bool:
        """Renew the lease; False when `owner` no longer holds it (another process took it over)."""
        with self.session() as s:
            beat = update(Job).where(Job.id == job_id, Job.lease_owner == owner).values(heartbeat_at=self.clock(s))
            return bool(s.execute(beat).rowcount)  # type: ignore[attr-defined]  # a CursorResult; the stub says Result

    def release_lease(self, job_id: str, owner: str) -> None:
        with self.session() as s:
            release(s, job_id, owner, self.clock(s))

    def request_stop(self, job_id: str) -> None:
        self.update_job(job_id, stop_requested_at=utcnow())

    def stop_requested(self, job_id: str) -> bool:
        with self.session() as s:
            return s.scalar(select(Job.stop_requested_at).where(Job.id == job_id)) is not None

    def leases(self, job_id: str) -> Sequence[Lease]:
        """Who held the job's lease, oldest first."""
        return self._all(select(Lease).where(Lease.job_id == job_id).order_by(Lease.id))

    def last_hosts(self) -> dict[str, str]:
        """Per job, the host that holds or last held its lease."""
        latest = select(func.max(Lease.id)).group_by(Lease.job_id)
        with self.session() as s:
            return {lease.job_id: lease.host for lease in s.scalars(select(Lease).where(Lease.id.in_(latest)))}

    # the branch, kept in the record for a job that may move to another host
    def save_branch(self, job_id: str, head: str, bundle: bytes, owner: str) -> None:
        """Only the lease's holder saves the branch: a process that lost the job to another (its heartbeat
        stopped too long) must not put its own branch over theirs."""
        with self.session() as s:
            held = s.execute(update(Job).where(Job.id == job_id, Job.lease_owner == owner).values(updated_at=utcnow()))
            if not held.rowcount:  # type: ignore[attr-defined]  # a CursorResult; the stub says Result
                raise LeaseLost(f"job {job_id} was taken over by another process: this one stops")
            s.merge(JobBranch(job_id=job_id, head=head, bundle=bundle))

    def branch_bundle(self, job_id: str) -> JobBranch | None:
        with self.session() as s:
            return s.get(JobBranch, job_id)

    # plan: each change to the plan is one transaction, so a crash never leaves half a revision
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

    def revise_plan(
        self,
        job_id: str,
        kind: RevisionKind,
        reason: str,
        specs: Sequence[StepSpec] = (),
        after: float | None = None,
        parent_id: int | None = None,
        retire: Sequence[int] = (),
        retire_as: StepStatus = StepStatus.SUPERSEDED,
        step_updates: dict[int, dict[str, Any]] | None = None,
        report: tuple[int, DecisionKind, dict[str, Any]] | None = None,
    ) -> list[Step]:
        """Record a plan revision and everything it changes, atomically: retired steps, new steps,
        step field updates and (for an escalation) the failure report's decision."""
        with self.session() as s:
            revision = add_revision(s, job_id, kind, reason)
            if retire:
                s.execute(update(Step).where(Step.id.in_(retire)).values(status=retire_as.value, finished_at=utcnow()))
            for step_id, fields in (step_updates or {}).items():
                s.execute(update(Step).where(Step.id == step_id).values(**fields))
            if report:
                report_id, decision, detail = report
                s.execute(
                    update(FailureReport)
                    .where(FailureReport.id == report_id)
                    .values(decision=DecisionKind(decision).value, decision_detail=detail)
                )
            return add_steps(s, job_id, specs, revision, after, parent_id) if specs else []

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

    def update_step(self, step_id: int, **fields: Any) -> None:
        with self.session() as s:
            s.execute(update(Step).where(Step.id == step_id).values(**fields))

    # attempts
    def start_attempt(self, job_id: str, step_id: int, tier: Tier) -> Attempt:
        with self.session() as s:
            number = (s.scalar(select(func.count()).select_from(Attempt).where(Attempt.step_id == step_id)) or 0) + 1
            attempt = Attempt(job_id=job_id, step_id=step_id, number=number, tier=tier)
            s.add(attempt)
        return attempt

    def finish_attempt(self, attempt_id: int, **fields: Any) -> None:
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

    # events
    def add_event(
        self, job_id: str, kind: str, payload: dict[str, Any], step_id: int | None = None, attempt_id: int | None = None
    ) -> None:
        self.add_events(
            [{"job_id": job_id, "kind": kind, "payload": payload, "step_id": step_id, "attempt_id": attempt_id}]
        )

    def add_events(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append events in one transaction: the recorder batches whatever queued up meanwhile."""
        with self.session() as s:
            s.add_all([Event(**row) for row in rows])

    def events(
        self, job_id: str, kinds: Sequence[str] | None = None, attempt_id: int | None = None, after: int = 0
    ) -> Sequence[Event]:
        """The job's events, oldest first; `after` an event id, only those recorded since (a live page)."""
        query = select(Event).where(Event.job_id == job_id, Event.id > after)
        if kinds:
            query = query.where(Event.kind.in_(kinds))
        if attempt_id is not None:
            query = query.where(Event.attempt_id == attempt_id)
        return self._all(query.order_by(Event.id))

    # steering
    def add_steering(self, job_id: str, message: str) -> None:
        with self.session() as s:
            s.add(Steering(job_id=job_id, text=message))

    def unread_steering(self, job_id: str, after_id: int = 0) -> list[tuple[int, str]]:
        """Steering messages not yet read by the job, oldest first, as (id, text)."""
        with self.session() as s:
            rows = s.execute(
                select(Steering.id, Steering.text)
                .where(Steering.job_id == job_id, Steering.consumed_at.is_(None), Steering.id > after_id)
                .order_by(Steering.id)
            ).all()
        return [(row.id, row.text) for row in rows]

    def mark_steering_read(self, ids: Sequence[int]) -> None:
        with self.session() as s:
            s.execute(update(Steering).where(Steering.id.in_(ids)).values(consumed_at=utcnow()))

    def _all(self, query: Any) -> Sequence[Any]:
        with self.session() as s:
            return s.scalars(query).all()
