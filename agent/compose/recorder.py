"""The job's event log. `emit` only enqueues: a writer thread batches events into SQLite and feeds the
listeners (live progress, --json), so the worker never waits on the database. It also fetches steering
messages in the background, so checking for them each turn costs nothing; a message is marked read only
once a model has been given it, so a crash before then delivers it again after resume."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from agent.record import EventModel, Recorded, event_from
from agent.redact import host_secrets, scrub
from state import SqlStore

Listener = Callable[[Recorded], None]
log = logging.getLogger(__name__)
STEERING_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class _MarkRead:
    ids: list[int]


class Recorder:
    def __init__(self, store: SqlStore, job_id: str, listeners: list[Listener] | None = None) -> None:
        self.store, self.job_id = store, job_id
        self.listeners = list(listeners or [])
        self._queue: queue.SimpleQueue[Recorded | threading.Event | _MarkRead | None] = queue.SimpleQueue()
        self._steering: deque[tuple[int, str]] = deque()
        self._last_steering_id = 0
        self._writer = threading.Thread(target=self._write_loop, name="sparkwright-recorder", daemon=True)
        self._writer.start()

    def emit(
        self, event: EventModel | str, step_id: int | None = None, attempt_id: int | None = None, **fields: Any
    ) -> None:
        """Record an event: its model, or its kind and fields, checked here against the same model so a wrong
        field fails where it was emitted."""
        if isinstance(event, str):
            event = event_from(event, fields)
        elif fields:
            raise TypeError(f"emit() of a {type(event).__name__} takes no other fields: give {sorted(fields)} to it")
        self._queue.put(Recorded(self.job_id, datetime.now(UTC), step_id, attempt_id, event))

    def steering(self) -> list[str]:
        """Steering messages that arrived since the last call; they are marked read in the DB."""
        taken = []
        while self._steering:
            taken.append(self._steering.popleft())
        if taken:
            self._queue.put(_MarkRead([message_id for message_id, _ in taken]))
        return [text for _, text in taken]

    def flush(self) -> None:
        """Block until everything emitted so far is in the DB and shown."""
        done = threading.Event()
        self._queue.put(done)
        done.wait()

    def close(self) -> None:
        self.flush()
        self._queue.put(None)
        self._writer.join()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write_loop(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=STEERING_POLL_SECONDS)
            except queue.Empty:
                self._fetch_steering()
                continue
            batch, waiters, stop = [], [], False
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                elif isinstance(item, _MarkRead):
                    self.store.mark_steering_read(item.ids)
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(batch)
            self._fetch_steering()
            for waiter in waiters:
                waiter.set()
            if stop:
                return

    def _fetch_steering(self) -> None:
        fresh = self.store.unread_steering(self.job_id, self._last_steering_id)
        if fresh:
            self._last_steering_id = fresh[-1][0]
            self._steering.extend(fresh)

    def _write(self, batch: list[Recorded]) -> None:
        if not batch:
            return
        # A secret a model or a command came across never reaches the record, nor anything that shows it.
        secrets = host_secrets()
        batch = [replace(e, event=e.event.read(scrub(e.event.payload(), secrets))) for e in batch]
        self.store.add_events(
            [
                {
                    "job_id": self.job_id,
                    "kind": e.event.kind,
                    "payload": e.event.payload(),
                    "step_id": e.step_id,
                    "attempt_id": e.attempt_id,
                    "ts": e.ts.replace(tzinfo=None),
                }
                for e in batch
            ]
        )
        for event in batch:
            for listener in list(self.listeners):
                self._tell(listener, event)

    def _tell(self, listener: Listener, event: Recorded) -> None:
        """A listener that fails (a closed pipe under --json) is dropped: the event is already in the DB,
        and the job must neither stop nor wait on whoever reads its output."""
        try:
            listener(event)
        except Exception as exc:
            self.listeners.remove(listener)
            if not isinstance(exc, BrokenPipeError):
                log.warning("progress output stopped after an error; the job goes on", exc_info=True)
