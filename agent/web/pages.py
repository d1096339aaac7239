"""What the pages show, read from the record: the jobs list, a job's live state and its events.

Plain data for the templates; every string in it is untrusted and escaped by the templates."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

from agent.record import EVENT_TYPES, EventModel
from agent.views.jobs import age, event_line, job_record, usage
from state import Job, JobStatus, SqlStore, StepStatus

LIVE = (JobStatus.PLANNING.value, JobStatus.RUNNING.value)
FILTERS = ("all", *(s.value for s in JobStatus))
RECENT_EVENTS = 300


@dataclass(frozen=True)
class ShownEvent:
    """One event as a page lists it."""

    id: int
    ts: str
    step_id: int | None
    event: EventModel

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def line(self) -> str:
        return event_line(self.event)


def jobs_rows(store: SqlStore, status: str) -> list[dict[str, Any]]:
    rows, now = [], store.clock()  # read once: on Postgres each reading is a query
    for job in store.jobs():
        shown = store.effective_status(job, now).value
        if status not in ("", "all") and shown != status:
            continue
        steps = [s for s in store.steps(job.id) if s.status != StepStatus.SUPERSEDED.value]
        used = usage(store, job.id, (job.settings or {}).get("prices"))
        costs = [t["cost_usd"] for t in used.values() if "cost_usd" in t]
        rows.append(
            {
                "id": job.id,
                "title": job.issue_title,
                "status": shown,
                "repo": job.repo_path,
                "branch": job.branch,
                "age": age(job.created_at),
                "done": sum(1 for s in steps if s.status == StepStatus.DONE.value),
                "total": len(steps),
                "usage": used,
                "cost": sum(costs) if costs else None,
            }
        )
    return rows


def job_view(store: SqlStore, job: Job) -> dict[str, Any]:
    """The live page's panel: status, plan checklist and revisions, the step in hand, totals per tier."""
    record = job_record(store, job)
    steps = record["steps"]
    current = next((s for s in steps if s["status"] == StepStatus.RUNNING.value), None)
    status = record["status"]
    return {
        "job": job,
        "record": record,
        "status": status,
        "current": current,
        "attempt": current["attempts"][-1] if current and current["attempts"] else None,
        "tiers": tier_totals(record["usage"]),
        "can_stop": status in LIVE,
        "can_resume": status == JobStatus.INTERRUPTED.value,
        "awaiting": status == JobStatus.AWAITING_APPROVAL.value,
        "finished": JobStatus(status).finished,
        "plan_json": pending_plan_json(store, job) if status == JobStatus.AWAITING_APPROVAL.value else "",
    }


def tier_totals(used: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    rows = []
    for tier in ("deep", "fast"):
        t = used.get(tier, {})
        calls = int(t.get("calls", 0))
        rows.append(
            {
                "tier": tier,
                "calls": calls,
                "tokens_in": int(t.get("tokens_in", 0)),
                "tokens_out": int(t.get("tokens_out", 0)),
                "model_seconds": t.get("model_seconds", 0.0),
                "mean_latency_ms": round(1000 * t.get("model_seconds", 0.0) / calls) if calls else 0,
                "tool_seconds": t.get("tool_seconds", 0.0),
                "cost_usd": t.get("cost_usd"),
            }
        )
    return rows


def pending_plan_json(store: SqlStore, job: Job) -> str:
    """The pending steps as `approve --edit` takes them, for the page's edit box."""
    steps = [
        {"title": s.title, "instructions": s.instructions, "files": s.files, "check": s.check_command}
        for s in store.steps(job.id)
        if s.status == StepStatus.PENDING.value
    ]
    return json.dumps({"summary": job.plan_summary, "steps": steps}, indent=1, ensure_ascii=False)


def events_since(store: SqlStore, job_id: str, after: int) -> list[ShownEvent]:
    rows = store.events(job_id, after=after)
    if after == 0:
        rows = rows[-RECENT_EVENTS:]
    return [
        ShownEvent(row.id, f"{row.ts:%H:%M:%S}", row.step_id, EVENT_TYPES[row.kind].read(row.payload))
        for row in rows
        if row.kind in EVENT_TYPES
    ]


def stoppable_pid(job: Job) -> int | None:
    """The pid of the process running the job, when it runs on this machine (a stop is also its Ctrl-C)."""
    host, _, pid = (job.lease_owner or "").rpartition(":")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None
