"""Event rows, append-only, and the user's steering messages to a running job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from state.connection import Connection
from state.fields import EventRow
from state.models import Event, Steering, utcnow


class EventStore(Connection):
    def add_event(
        self, job_id: str, kind: str, payload: dict[str, Any], step_id: int | None = None, attempt_id: int | None = None
    ) -> None:
        self.add_events(
            [{"job_id": job_id, "kind": kind, "payload": payload, "step_id": step_id, "attempt_id": attempt_id}]
        )

    def add_events(self, rows: Sequence[EventRow]) -> None:
        """Append events in one transaction: the recorder batches whatever queued up meanwhile."""
        with self.session() as s:
            s.add_all([Event(**row) for row in rows])

    def events(
        self,
        job_id: str,
        kinds: Sequence[str] | None = None,
        attempt_id: int | None = None,
        after: int = 0,
        step_id: int | None = None,
    ) -> Sequence[Event]:
        """The job's events, oldest first; `after` an event id, only those recorded since (a live page)."""
        query = select(Event).where(Event.job_id == job_id, Event.id > after)
        if kinds:
            query = query.where(Event.kind.in_(kinds))
        if attempt_id is not None:
            query = query.where(Event.attempt_id == attempt_id)
        if step_id is not None:
            query = query.where(Event.step_id == step_id)
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
