"""The job page's live updates as server-sent events: new events appended, the panel (status, plan, the
step in hand, totals) sent again whenever the job changed. Reads are short transactions on the WAL
database, polled; they never wait for or hold up the job's own writes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from agent.web.pages import ShownEvent, events_since, job_view
from state import SqlStore

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
Render = Callable[..., str]


def message(kind: str, html: str, event_id: int | None = None) -> str:
    lines = [f"event: {kind}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in html.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


def start_after(request: Request) -> int:
    """Where the page left off: the browser's Last-Event-ID on a reconnect, else the page's own mark."""
    given = request.headers.get("last-event-id") or request.query_params.get("after") or "0"
    return int(given) if given.isdigit() else 0


async def live_updates(request: Request, store: SqlStore, job_id: str, render: Render) -> AsyncIterator[str]:
    after, seen, quiet_since = start_after(request), None, time.monotonic()
    while not await request.is_disconnected():
        events, fingerprint = await run_in_threadpool(_read, store, job_id, after)
        if events:
            after = events[-1].id
            yield message("events", render("_events.html", events=events), after)
        if fingerprint != seen:
            seen = fingerprint
            view = await run_in_threadpool(job_view, store, store.job(job_id))
            yield message("panel", render("_panel.html", **view))
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > KEEPALIVE_SECONDS:
            yield ": still here\n\n"
            quiet_since = time.monotonic()
        await asyncio.sleep(POLL_SECONDS)


def _read(store: SqlStore, job_id: str, after: int) -> tuple[list[ShownEvent], tuple[Any, ...]]:
    events = events_since(store, job_id, after)
    job = store.job(job_id)
    last = events[-1].id if events else after
    return events, (last, job.status, job.updated_at, store.effective_status(job))
