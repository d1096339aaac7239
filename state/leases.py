"""Leases: one live process per job, proven by a heartbeat. Their times are the database's clock, never a host's:
workers on different hosts have different clocks, and the database's is the one they all read."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from state.connection import Connection
from state.db import LeaseHeld, pid_alive
from state.models import Job, JobStatus, Lease

LEASE_STALE_AFTER = timedelta(seconds=30)


def lease_live(job: Job, now: datetime) -> bool:
    """Live while the owner beats (`now` by the database's clock); on this host a dead owner pid ends it at once."""
    if not job.lease_owner or not job.heartbeat_at:
        return False
    if now - job.heartbeat_at >= LEASE_STALE_AFTER:
        return False
    host, _, pid = job.lease_owner.rpartition(":")
    return host != socket.gethostname() or not pid.isdigit() or pid_alive(int(pid))


def swap_owner(s: Session, job: Job, owner: str, now: datetime) -> bool:
    """Compare-and-swap on (owner, heartbeat) as `job` was read: of two processes racing for the job, one wins
    (on Postgres the loser's UPDATE waits for the winner's row lock, then finds the row changed)."""
    previous, beat = job.lease_owner, job.heartbeat_at  # the UPDATE refreshes `job` in the session
    swapped = s.execute(
        update(Job)
        .where(
            Job.id == job.id,
            Job.lease_owner.is_not_distinct_from(previous),
            Job.heartbeat_at.is_not_distinct_from(beat),
        )
        .values(lease_owner=owner, heartbeat_at=now)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult; the stub says Result
    if swapped and previous != owner:
        _record_holding(s, job.id, owner, now)
    return bool(swapped)


def _record_holding(s: Session, job_id: str, owner: str, now: datetime) -> None:
    """The lease history: the previous holding ends (taken over: its heartbeat had stopped), a new one starts.
    The same process taking its own lease again is no new holding."""
    s.execute(
        update(Lease)
        .where(Lease.job_id == job_id, Lease.released_at.is_(None))
        .values(released_at=now, ended="taken over")
    )
    s.add(Lease(job_id=job_id, owner=owner, acquired_at=now))


def release(s: Session, job_id: str, owner: str, now: datetime) -> None:
    s.execute(update(Job).where(Job.id == job_id, Job.lease_owner == owner).values(lease_owner=None, heartbeat_at=None))
    s.execute(
        update(Lease)
        .where(Lease.job_id == job_id, Lease.owner == owner, Lease.released_at.is_(None))
        .values(released_at=now, ended="released")
    )


class LeaseStore(Connection):
    """One live process per job, proven by a heartbeat; and the queue's sweep of jobs whose process died."""

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

    def leases(self, job_id: str) -> Sequence[Lease]:
        """Who held the job's lease, oldest first."""
        return self._all(select(Lease).where(Lease.job_id == job_id).order_by(Lease.id))

    def last_hosts(self) -> dict[str, str]:
        """Per job, the host that holds or last held its lease."""
        latest = select(func.max(Lease.id)).group_by(Lease.job_id)
        with self.session() as s:
            return {lease.job_id: lease.host for lease in s.scalars(select(Lease).where(Lease.id.in_(latest)))}

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
