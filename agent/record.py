"""Every event goes to the events table, then to whoever watches (live progress, --json)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from state import SqlStore

Listener = Callable[[dict[str, Any]], None]


class Recorder:
    def __init__(self, store: SqlStore, job_id: str, listeners: list[Listener] | None = None) -> None:
        self.store, self.job_id = store, job_id
        self.listeners = list(listeners or [])

    def emit(self, kind: str, step_id: int | None = None, attempt_id: int | None = None, **payload: Any) -> None:
        self.store.add_event(self.job_id, kind, payload, step_id=step_id, attempt_id=attempt_id)
        if self.listeners:
            event = {"ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "job": self.job_id,
                     "kind": kind, "step": step_id, "attempt": attempt_id, **payload}
            for listener in self.listeners:
                listener(event)
