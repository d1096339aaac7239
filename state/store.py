"""`SqlStore`: the job record in SQLite or Postgres through SQLAlchemy. Short sessions, versioned schema.

One type for callers, composed of the record's concerns, each in its module: jobs (`state.jobs`), leases and
the queue's sweep (`state.leases`), plans, steps and attempts (`state.plans`), events and steering
(`state.events`); the connection they share is `state.connection`."""

from __future__ import annotations

from state.db import DatabaseError, JobNotFound, LeaseHeld, LeaseLost
from state.events import EventStore
from state.jobs import JobStore
from state.leases import LeaseStore
from state.plan_rows import PlanChange, ReportDecision, StepSpec
from state.plans import PlanStore

__all__ = [
    "DatabaseError",
    "JobNotFound",
    "LeaseHeld",
    "LeaseLost",
    "PlanChange",
    "ReportDecision",
    "SqlStore",
    "StepSpec",
]


class SqlStore(JobStore, LeaseStore, PlanStore, EventStore):
    """Every read and write of the record. `SqlStore(path or URL)` opens it (migrating the schema); use it as a
    context manager, or `close()` it."""
