"""`SqlStore`: the job record in SQLite or Postgres through SQLAlchemy. Short sessions, versioned schema.

One type for callers, composed of the record's concerns, each in its module: jobs (`state.jobs`), leases and
the queue's sweep (`state.leases`), plans, steps and attempts (`state.plans`), events and steering
(`state.events`); the connection they share is `state.connection`."""

from __future__ import annotations

from state.events import EventStore
from state.jobs import JobStore
from state.leases import LeaseStore
from state.plans import PlanStore


class SqlStore(JobStore, LeaseStore, PlanStore, EventStore):
    """Every read and write of the record. `SqlStore(path or URL)` opens it (migrating the schema); use it as a
    context manager, or `close()` it."""
