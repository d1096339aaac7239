"""The job's event log. `emit` only enqueues: a writer thread batches events into SQLite and feeds the
listeners (live progress, --json), so the worker never waits on the database. It also fetches steering
messages in the background, so checking for them each turn costs nothing."""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from state import SqlStore

Listener = Callable[[dict[str, Any]], None]
STEERING_POLL_SECONDS = 0.5


class Recorder:
    def __init__(self, store: SqlStore, job_id: str, listeners: list[Listener] | None = None) -> None:
        self.store, self.job_id = store, job_id
        self.listeners = list(listeners or [])
        self._queue: queue.SimpleQueue[dict[str, Any] | threading.Event | None] = queue.SimpleQueue()
        self._steering: deque[str] = deque()
        self._writer = threading.Thread(target=self._write_loop, name="sparkwright-recorder", daemon=True)
        self._writer.start()

    def emit(self, kind: str, step_id: int | None = None, attempt_id: int | None = None, **payload: Any) -> None:
        self._queue.put({"ts": datetime.now(timezone.utc), "kind": kind, "step_id": step_id,
                         "attempt_id": attempt_id, "payload": payload})

    def steering(self) -> list[str]:
        """Steering messages that arrived since the last call (already marked read in the DB)."""
        notes = []
        while self._steering:
            notes.append(self._steering.popleft())
        return notes

    def flush(self) -> None:
        """Block until everything emitted so far is in the DB and shown."""
        done = threading.Event()
        self._queue.put(done)
        done.wait()

    def close(self) -> None:
        self.flush()
        self._queue.put(None)
        self._writer.join()

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write_loop(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=STEERING_POLL_SECONDS)
            except queue.Empty:
                self._steering.extend(self.store.take_steering(self.job_id))
                continue
            batch, waiters, stop = [], [], False
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(batch)
            self._steering.extend(self.store.take_steering(self.job_id))
            for waiter in waiters:
                waiter.set()
            if stop:
                return

    def _write(self, batch: list[dict[str, Any]]) -> None:
        if not batch:
            return
        self.store.add_events([{"job_id": self.job_id, "kind": e["kind"], "payload": e["payload"],
                                "step_id": e["step_id"], "attempt_id": e["attempt_id"],
                                "ts": e["ts"].replace(tzinfo=None)} for e in batch])
        for event in batch:
            shown = {"ts": event["ts"].isoformat(timespec="milliseconds"), "job": self.job_id, "kind": event["kind"],
                     "step": event["step_id"], "attempt": event["attempt_id"], **event["payload"]}
            for listener in self.listeners:
                listener(shown)
