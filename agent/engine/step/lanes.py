"""Candidates at once (`parallel_candidates` > 1). A server that decodes several requests side by side without
slowing each (a GPU) answers three candidates in the time of one, so after a step's first candidate failed, the
others run together, each in a lane of its own (a worktree beside the job's, with its own sandbox), from the
step's start. Each is judged as it finishes; when the step is decided the rest are stopped: their replies are cut
off mid-stream (the server frees their slots) and their checks end, and the step goes on in the job's worktree.
(On a CPU each reply gets slower by about as much as runs at once, hence opt-in: see README.)"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from agent.engine.context import JobCancelled, JobContext, JobRecord, Lane
from agent.models.errors import ReplyStopped
from agent.record import EventModel
from sandbox.confined import WorkspaceView

R = TypeVar("R")
POLL_SECONDS = 0.2
"""How soon a stop of the job reaches the lanes."""


class Steering:
    """The job's steering, for lanes running at once: each message reaches every lane (the record hands a message
    out once, to whichever asks first)."""

    def __init__(self, record: JobRecord, lanes: int) -> None:
        self.record, self._lock = record, threading.Lock()
        self._unread: list[list[str]] = [[] for _ in range(lanes)]

    def lane(self, number: int) -> JobRecord:
        return _LaneRecord(self, number)

    def take(self, number: int) -> list[str]:
        with self._lock:
            arrived = self.record.steering()
            for unread in self._unread:
                unread.extend(arrived)
            taken, self._unread[number] = self._unread[number], []
        return taken


@dataclass(frozen=True)
class _LaneRecord:
    steering_of: Steering
    number: int

    def emit(
        self, event: EventModel | str, step_id: int | None = None, attempt_id: int | None = None, **fields: Any
    ) -> None:
        self.steering_of.record.emit(event, step_id, attempt_id, **fields)

    def steering(self) -> list[str]:
        return self.steering_of.take(self.number)

    def flush(self) -> None:
        self.steering_of.record.flush()


def lanes_for(ctx: JobContext, count: int) -> list[Lane]:
    """The lanes `count` candidates may run in at once: none when they run one after another."""
    return ctx.lanes.take(count) if ctx.lanes and count > 1 else []


def side_by_side(
    ctx: JobContext, lanes: list[Lane], start: str, work: Sequence[Callable[[JobContext], R]]
) -> Generator[R]:
    """Each of `work` run in a lane from the files `start` (a git tree), as many at once as there are lanes, in
    order as lanes free up; their results as each ends. Closing the iterator stops those still running and waits
    for them; a stop of the job stops them all and raises when they have ended."""
    head, stop, steering = ctx.workspace.head(), threading.Event(), Steering(ctx.record, len(lanes))
    waiting, free = list(work), list(enumerate(lanes))
    running: dict[Future[R | None], tuple[int, Lane]] = {}
    with ThreadPoolExecutor(len(lanes), thread_name_prefix=f"lane-{ctx.job.id}") as pool:
        try:
            while waiting or running:
                while waiting and free and not stop.is_set():
                    number, lane = taken = free.pop(0)
                    own = replace(ctx, record=steering.lane(number), cancel=stop)
                    running[pool.submit(_in_lane, own, lane, head, start, waiting.pop(0))] = taken
                ended, _ = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                if ctx.cancel.is_set():
                    stop.set()
                for future in ended:
                    free.append(running.pop(future))
                    if (result := future.result()) is not None:
                        yield result
                if stop.is_set() and not running:
                    break
        finally:
            stop.set()
    ctx.check_cancelled()


def _in_lane(ctx: JobContext, lane: Lane, head: str, start: str, work: Callable[[JobContext], R]) -> R | None:
    """`work` in the lane (`ctx.cancel` is the lanes' stop), with models whose replies a stop cuts off; None when it
    was stopped."""
    lane.workspace.detach_at(head)
    lane.workspace.restore(start)
    own = replace(
        ctx,
        workspace=lane.workspace,
        sandbox=lane.sandbox,
        reader=WorkspaceView(lane.workspace.path),
        fast=ctx.fast.stoppable(ctx.cancel),
        deep=ctx.deep.stoppable(ctx.cancel),
        lanes=None,
    )
    try:
        return work(own)
    except (JobCancelled, ReplyStopped):
        if ctx.cancel.is_set():
            return None
        raise
