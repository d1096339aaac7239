"""What `jobs` and `show` print: tables in a terminal, JSON for scripts. All read from the record."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from agent.record import (
    Check,
    Duplicate,
    EventModel,
    FailureReport,
    ModelCall,
    PlanCheck,
    PlanRejected,
    Recorded,
    ReproductionTried,
    TestRun,
    ToolCall,
    Triaged,
    read_events,
)
from agent.record.job_record import AttemptRow, JobRecord, RunRow, StepRow, StepTime, Usage
from agent.views.terminal import printable, safe_text
from agent.views.timeline import work_bar
from state import Attempt, Job, JobStatus, Lease, SqlStore, Step, StepStatus
from state.models import utcnow

out = Console()
STORY_FIELDS = ("title", "why", "decision", "reason", "summary", "message", "commit", "status")


def usage(store: SqlStore, job_id: str, prices: dict[str, Any] | None = None) -> Usage:
    """Per tier: model calls, tokens in/out, model seconds, tool seconds, and cost where priced."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for recorded in read_events(store, job_id, ModelCall, ToolCall, Duplicate):
        match recorded.event:
            case ModelCall() as call:
                tier = totals[call.tier]
                tier["calls"] += 1
                tier["tokens_in"] += call.tokens_in
                tier["tokens_out"] += call.tokens_out
                tier["tokens_cached"] += call.tokens_cached
                tier["model_seconds"] += call.latency_ms / 1000
                tier["repeats"] += call.repeat
            case ToolCall() as tool:
                totals[tool.tier]["tool_seconds"] += tool.seconds
            case Duplicate() as duplicate:
                totals[duplicate.tier]["duplicates"] += 1
    for name, price in (prices or {}).items():
        if name in totals:
            t = totals[name]
            t["cost_usd"] = (t["tokens_in"] * price["input"] + t["tokens_out"] * price["output"]) / 1e6
    return {k: {m: round(v, 4) for m, v in t.items()} for k, t in totals.items()}


def step_times(store: SqlStore, job_id: str) -> dict[int, StepTime]:
    """Per step that ran: its seconds, and how many of them went to the model, the tests and the tools."""
    parts: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    last: dict[int, datetime] = {}
    first: dict[int, datetime] = {}
    for recorded in read_events(store, job_id, ModelCall, Check, ReproductionTried, ToolCall):
        if (step := recorded.step_id) is None:
            continue
        last[step] = recorded.ts.replace(tzinfo=None)
        if step not in first and (token := first_token(recorded)):
            first[step] = token
        if bar := work_bar(recorded.event, 0.0):
            parts[step]["model" if bar.lane.endswith("model") else bar.lane] += bar.end - bar.start
    times: dict[int, StepTime] = {}
    for s in store.steps(job_id):
        if s.started_at is None or s.id not in last:
            continue
        wall, p = ((s.finished_at or last[s.id]) - s.started_at).total_seconds(), parts[s.id]
        own = max(wall - p["model"] - p["tests"] - p["tools"], 0.0)
        times[s.id] = {
            "seconds": round(wall, 2),
            **{k: round(p[k], 2) for k in ("model", "tests", "tools")},  # type: ignore[typeddict-item]
            "own": round(own, 2),
            "first_token": round((first[s.id] - s.started_at).total_seconds(), 3) if s.id in first else None,
        }
    return times


def first_token(recorded: Recorded) -> datetime | None:
    """When a streamed model reply's first token came (the event is recorded when the reply was taken)."""
    call = recorded.event
    if not isinstance(call, ModelCall) or call.first_token_ms is None:
        return None
    sent = call.waiting_ms + call.latency_ms - call.first_token_ms
    return recorded.ts.replace(tzinfo=None) - timedelta(milliseconds=sent)


def job_first_token(store: SqlStore, job_id: str) -> float | None:
    """Seconds from the job's start to its first model token (None when no reply was streamed)."""
    events = read_events(store, job_id)
    token = next((t for r in events if (t := first_token(r))), None)
    return round((token - events[0].ts.replace(tzinfo=None)).total_seconds(), 3) if token else None


def age(moment: datetime) -> str:
    seconds = (utcnow() - moment).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"


def print_jobs(store: SqlStore, as_json: bool) -> None:
    hosts = store.last_hosts()
    now = store.clock()  # read once: on Postgres each reading is a query
    rows = [
        {
            "id": j.id,
            "status": store.effective_status(j, now).value,
            "age": age(j.created_at),
            "host": hosts.get(j.id, ""),
            "branch": j.branch,
            "title": j.issue_title,
        }
        for j in store.jobs()
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table("id", "status", "age", "host", "branch", "issue")
    for r in rows:
        cells = (r["id"], r["status"], r["age"], r["host"], r["branch"], r["title"][:60])
        table.add_row(*(Text(printable(cell)) for cell in cells))
    out.print(table)


def job_record(store: SqlStore, job: Job) -> JobRecord:
    """The whole job as plain data: the basis of `show --json` and of review."""
    attempts, times = store.attempts(job.id), step_times(store, job.id)
    return {
        "id": job.id,
        "status": store.effective_status(job).value,
        "reason": job.outcome_reason,
        "issue": {"title": job.issue_title, "url": job.issue_url, "text": job.issue_text},
        "repo": job.repo_path,
        "branch": job.branch,
        "base_commit": job.base_commit,
        "models": {"deep": job.deep_model, "fast": job.fast_model},
        "plan": {
            "summary": job.plan_summary,
            "test_command": job.test_command,
            "revisions": [{"number": r.number, "kind": r.kind, "reason": r.reason} for r in store.revisions(job.id)],
        },
        "steps": [
            step_row(s, [a for a in attempts if a.step_id == s.id], times.get(s.id)) for s in store.steps(job.id)
        ],
        "escalations": [
            {"step": r.step_id, "why": FailureReport.model_validate(r.report).why, "decision": r.decision}
            for r in store.failure_reports(job.id)
        ],
        "runs": [run_row(lease) for lease in store.leases(job.id)],
        "summary": job.summary,
        "uncertainties": job.uncertainties,
        "usage": usage(store, job.id, (job.settings or {}).get("prices")),
        "first_token_seconds": job_first_token(store, job.id),
    }


def run_row(lease: Lease) -> RunRow:
    released = lease.released_at.isoformat(timespec="seconds") if lease.released_at else None
    started = lease.acquired_at.isoformat(timespec="seconds")
    return {"host": lease.host, "owner": lease.owner, "started": started, "released": released, "ended": lease.ended}


def step_row(s: Step, attempts: list[Attempt], time: StepTime | None = None) -> StepRow:
    return {
        "id": s.id,
        "title": s.title,
        "status": s.status,
        "check": s.check_command,
        "commit": s.commit_sha,
        "executor": s.executor,
        "escalations": s.escalations,
        "revision": s.revision,
        "result": s.result,
        "attempts": [attempt_row(a) for a in attempts],
        "time": time,
    }


def attempt_row(a: Attempt) -> AttemptRow:
    return {
        "number": a.number,
        "tier": a.tier,
        "status": a.status,
        "reason": a.reason,
        "turns": a.turns,
        "tokens_in": a.tokens_in,
        "tokens_out": a.tokens_out,
    }


def print_show(store: SqlStore, job: Job, as_json: bool) -> None:
    record = job_record(store, job)
    if as_json:
        events = [
            {"ts": r.ts.isoformat(), "kind": r.event.kind, "step": r.step_id, **r.event.payload()}
            for r in read_events(store, job.id)
        ]
        out.print_json(json.dumps({**record, "events": events}, default=str))
        return
    say((f"job {job.id}", "bold"), f" — {record['status']}: {record['reason'] or ''}")
    say(f"issue: {job.issue_title}  branch: {job.branch}  base: {job.base_commit[:10]}")
    say(f"plan: {job.plan_summary or '(not yet)'}  tests: {job.test_command}")
    for run in record["runs"]:
        until = f"until {run['released']} ({run['ended']})" if run["released"] else "holding the lease"
        say(f"ran on {run['host']} ({run['owner']}) from {run['started']} {until}")
    for rev in record["plan"]["revisions"]:
        say(f"  revision {rev['number']} ({rev['kind']}): {rev['reason']}")
    for step in record["steps"]:
        commit = (step["commit"] or "")[:10]
        say((f"{step['status']:>10}", "bold"), f" {step['title']}  {commit}  check: {step['check']}")
        if spent := step["time"]:
            say(
                f"             {spent['seconds']:.1f}s: model {spent['model']:.1f}s, tests {spent['tests']:.1f}s, "
                f"tools {spent['tools']:.1f}s, sparkwright {spent['own']:.1f}s"
                + (f", first model token at {token:.2f}s" if (token := spent["first_token"]) is not None else "")
            )
        for a in step["attempts"]:
            say(
                f"             attempt {a['number']} ({a['tier']}): {a['status']} — {a['reason'] or ''} "
                f"[{a['turns']} turns]"
            )
    for e in record["escalations"]:
        say(f"escalation on step {e['step']}: {e['why']} → {e['decision']}")
    say(("story", "bold"))
    for recorded in read_events(store, job.id):
        where = f"step {recorded.step_id} " if recorded.step_id else ""
        line = f"  {recorded.ts:%H:%M:%S} {where}{recorded.event.kind}: {event_line(recorded.event)}"
        out.print(safe_text(line), highlight=False, overflow="ellipsis", no_wrap=True)
    for tier, t in record["usage"].items():
        cost = f", ${t['cost_usd']:.4f}" if "cost_usd" in t else ""
        say(
            f"{tier}: {int(t.get('calls', 0))} calls, {int(t.get('tokens_in', 0))} in / "
            f"{int(t.get('tokens_out', 0))} out tokens ({_reuse(t)} of the prompt tokens from the server's cache), "
            f"{t.get('model_seconds', 0):.1f}s model, "
            f"{t.get('tool_seconds', 0):.1f}s tools{cost}; {int(t.get('repeats', 0))} repeated requests, "
            f"{int(t.get('duplicates', 0))} replies that changed nothing new"
        )


def _reuse(t: dict[str, float]) -> str:
    return f"{t.get('tokens_cached', 0) / t['tokens_in']:.0%}" if t.get("tokens_in") else "-"


def say(*parts: str | tuple[str, str]) -> None:
    """One line of untrusted text (issue, model output) on stdout: no markup, no control characters."""
    out.print(safe_text(*parts), highlight=False)


def print_outcome(job: Job, store: SqlStore) -> None:
    status = JobStatus(job.status)
    waiting = (JobStatus.INTERRUPTED, JobStatus.AWAITING_APPROVAL)
    style = "green" if status == JobStatus.SUCCEEDED else "yellow" if status in waiting else "red"
    done = sum(1 for s in store.steps(job.id) if s.status == StepStatus.DONE)
    Console(stderr=True).print(
        safe_text((status.value, style), f": {job.outcome_reason} — {done} step commit(s) on {job.branch}"),
        highlight=False,
    )


def event_line(event: EventModel) -> str:
    """One line of an event for the story: what happened, in short."""
    match event:
        case ModelCall():
            calls = ", ".join(c.name for c in event.tool_calls) or "(no tool call)"
            return f"{event.tier} {event.purpose} -> {calls} ({event.latency_ms} ms)"
        case ToolCall():
            first = event.output.splitlines()[:1]
            return f"{event.tool} {'ok' if event.ok else 'error'}: {first[0] if first else ''}"
        case Check() | TestRun():
            run = event.command if isinstance(event, TestRun) else event.trigger
            return f"{'passed' if event.passed else 'failed'} ({run or ''})"
        case PlanCheck():
            return f"{'passed' if event.passed else 'failed'} before work ({event.command})"
        case PlanRejected():
            return f"plan {event.number} cannot work: {'; '.join(event.problems)}"
        case Triaged():
            verdict = "passed" if event.passed else f"{len(event.failing_tests)} failing"
            return f"{event.test_command}: {verdict}; {'small' if event.small else 'not small'}; check {event.check}"
    return "; ".join(f"{key}={str(value)[:80]}" for key, value in _headline(event) if value)


def _headline(event: EventModel) -> list[tuple[str, Any]]:
    """The fields that say what an event was, those it has, in the order the story shows them."""
    fields = vars(event)
    return [(key, fields[key]) for key in STORY_FIELDS if key in fields]
