"""Leases: one live process per job, proven by a heartbeat. Their times are the database's clock, never a host's:
workers on different hosts have different clocks, and the database's is the one they all read."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from state.db import pid_alive
from state.models import Job, Lease

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
