"""Job rows: made, found, changed, asked to stop; and the job's branch, kept for a job that may move host."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Unpack

from sqlalchemy import delete, select, update

from state.connection import Connection
from state.db import JobNotFound, LeaseLost
from state.fields import JobFields, NewJob
from state.leases import lease_live
from state.models import Job, JobBranch, JobStatus, utcnow


class JobStore(Connection):
    def create_job(self, **fields: Unpack[NewJob]) -> Job:
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

    def update_job(self, job_id: str, **fields: Unpack[JobFields]) -> None:
        with self.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(**fields))

    def effective_status(self, job: Job, now: datetime | None = None) -> JobStatus:
        """The job's status, reading a dead owner's lease as `interrupted`. `now`: by `clock()`."""
        status = JobStatus(job.status)
        if status in (JobStatus.PLANNING, JobStatus.RUNNING) and not lease_live(job, now or self.clock()):
            return JobStatus.INTERRUPTED
        return status

    def request_stop(self, job_id: str) -> None:
        self.update_job(job_id, stop_requested_at=utcnow())

    def stop_requested(self, job_id: str) -> bool:
        with self.session() as s:
            return s.scalar(select(Job.stop_requested_at).where(Job.id == job_id)) is not None

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
