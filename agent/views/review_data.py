"""What `review` reads: the job record plus what git itself holds (commits, the full diff, files touched).

Steps are numbered by their place in the plan (1-based, superseded steps included), the way `review`
lists them; `--step K` uses that number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agent.record import (
    Agreement,
    Check,
    Duplicate,
    FailureReport,
    Feedback,
    JobFinished,
    JobInterrupted,
    JobResumed,
    JobStarted,
    ModelCall,
    Recorded,
    Reproduced,
    Review,
    ReviewDecision,
    StepDone,
    TestRun,
    ToolCall,
    read_events,
)
from agent.record.job_record import AttemptRow, StepRow
from agent.record.review_record import (
    AttemptDetail,
    CheckResult,
    DecisionRow,
    ReproductionRow,
    ReviewRecord,
    Round,
    StepDetail,
    StepReview,
    StepView,
    TestEvidence,
    TranscriptLine,
)
from agent.repo.history import git_facts, show_commit
from agent.test_files import is_test_path
from agent.views.jobs import job_record
from state import Attempt, Job, SqlStore, Step

ROUND_EVENTS = (Feedback, TestRun, Review, JobFinished)
TRANSCRIPT_EVENTS = (ModelCall, ToolCall, Check, Duplicate)
SPAN_EVENTS = (JobStarted, JobResumed, JobFinished, JobInterrupted)

LINE_CHARS = 160
"""How much of one line a transcript entry shows: a model's words, a tool's or a check's output."""


def review_record(store: SqlStore, job: Job, *, fixes: int | None) -> ReviewRecord:
    """The job record (as `show --json`) plus what git holds: commits, the full diff, files touched.

    `fixes` is the issue number for "Fixes #N"; reading it from an issue URL is GitHub's business, so the
    caller passes it (see `agent.github.refs.fixes_number`)."""
    shown = job_record(store, job)
    events = read_events(store, job.id, Check, StepDone, Reproduced, Agreement, *ROUND_EVENTS, *SPAN_EVENTS)
    head, commits, diff, files = git_facts(job)
    found_rounds = rounds(events)
    record: ReviewRecord = {
        **shown,
        "steps": [],
        "head": head,
        "commits": commits,
        "diff": diff,
        "files": files,
        "tests_changed": [f["path"] for f in files if is_test_path(f["path"])],
        "fixes": fixes,
        "rounds": found_rounds,
        "working_seconds": round(working_seconds(events), 1),
    }
    feedback_revisions = [r["revision"] for r in found_rounds[1:] if r["revision"] is not None]
    shas = {c["sha"] for c in commits}
    decisions = _decisions(store, job)
    steps = {s.id: s for s in store.steps(job.id)}
    for number, step in enumerate(shown["steps"], 1):
        row = steps[step["id"]]
        step_round = sum(1 for r in feedback_revisions if r <= row.revision)
        record["steps"].append(
            _step_review(step, row, number, step_round, step["commit"] in shas, events, decisions.get(row.id, []))
        )
    return record


def _decisions(store: SqlStore, job: Job) -> dict[int, list[DecisionRow]]:
    """Each step's failure reports, by step id: why it failed and what the planner decided."""
    found: dict[int, list[DecisionRow]] = {}
    for report in store.failure_reports(job.id):
        found.setdefault(report.step_id, []).append(
            {
                "why": FailureReport.model_validate(report.report).why,
                "decision": report.decision,
                "detail": report.decision_detail,
            }
        )
    return found


def _step_review(
    step: StepRow,
    row: Step,
    number: int,
    step_round: int,
    on_branch: bool,
    events: list[Recorded],
    decisions: list[DecisionRow],
) -> StepReview:
    return {
        **step,
        "number": number,
        "round": step_round,
        "seconds": _seconds(row.started_at, row.finished_at),
        "commit_on_branch": on_branch,
        "check_result": _last_check(events, row.id),
        "out_of_scope": _out_of_scope(events, row.id),
        "reproduction": _reproduction(events, row.id),
        "unverified": next(
            (r.event.why for r in events if isinstance(r.event, Agreement) and r.step_id == row.id), None
        ),
        "decisions": decisions,
    }


def step_record(store: SqlStore, job: Job, record: ReviewRecord, number: int) -> StepView:
    """One step of `record` with its own diff (`git show` of its commit) and its attempts' transcripts."""
    step = record["steps"][number - 1]
    attempts = {a.number: a for a in store.attempts(job.id, step["id"])}
    detail: StepDetail = {
        **step,
        "attempts": [_attempt_detail(store, job, a, attempts[a["number"]]) for a in step["attempts"]],
        "diff": show_commit(job, step["commit"]) if step["commit_on_branch"] and step["commit"] else None,
    }
    return {"job": job.id, "issue": record["issue"], "branch": job.branch, "step": detail}


def _attempt_detail(store: SqlStore, job: Job, attempt: AttemptRow, row: Attempt) -> AttemptDetail:
    transcript = [transcript_line(r) for r in read_events(store, job.id, *TRANSCRIPT_EVENTS, attempt_id=row.id)]
    return {**attempt, "seconds": _seconds(row.started_at, row.finished_at), "transcript": transcript, "diff": row.diff}


# the record's events
def rounds(events: list[Recorded]) -> list[Round]:
    """Round 0 is the job as first run; each `revise` starts the next one with the reviewer's feedback."""
    found = [_round(0, None, None)]
    for recorded in events:
        event, current = recorded.event, found[-1]
        match event:
            case Feedback():
                found.append(_round(len(found), event.feedback, event.revision))
            case TestRun():
                current["test_runs"].append(test_evidence(event))
            case Review(decision=ReviewDecision.FINISH):
                current["summary"], current["uncertainties"] = event.summary, event.uncertainties
            case JobFinished():
                current["status"], current["reason"] = event.status.value, event.reason
    return found


def _round(number: int, feedback: str | None, revision: int | None) -> Round:
    return {
        "round": number,
        "feedback": feedback,
        "revision": revision,
        "status": None,
        "reason": None,
        "summary": None,
        "uncertainties": [],
        "test_runs": [],
    }


def test_evidence(run: TestRun) -> TestEvidence:
    lines = [line for line in run.output.splitlines() if line.strip()]
    return {
        "command": run.command,
        "passed": run.passed,
        "exit_code": run.exit_code,
        "seconds": run.seconds,
        "summary": lines[-1].strip("= ") if lines else "",
    }


def working_seconds(events: list[Recorded]) -> float:
    """Time the job was actually running: from each start or resume to the next finish or interruption."""
    total, since = 0.0, None
    for recorded in events:
        if isinstance(recorded.event, (JobStarted, JobResumed)):
            since = recorded.ts
        elif isinstance(recorded.event, (JobFinished, JobInterrupted)) and since is not None:
            total += (recorded.ts - since).total_seconds()
            since = None
    return total


def _reproduction(events: list[Recorded], step_id: int) -> ReproductionRow | None:
    """The test that reproduced the step's issue, unless the step was then chosen by agreement (the test left out)."""
    last = None
    for r in events:
        if r.step_id == step_id and isinstance(r.event, (Reproduced, Agreement)):
            last = r.event
    return {"path": last.path, "tries": last.tries, "test": last.test} if isinstance(last, Reproduced) else None


def _out_of_scope(events: list[Recorded], step_id: int) -> list[str]:
    """Files the step's commit changed beyond those its plan named."""
    done = [r.event for r in events if isinstance(r.event, StepDone) and r.step_id == step_id]
    return done[-1].out_of_scope if done else []


def _last_check(events: list[Recorded], step_id: int) -> CheckResult | None:
    checks = [r.event for r in events if isinstance(r.event, Check) and r.step_id == step_id]
    if not checks:
        return None
    last = checks[-1]
    return {"passed": last.passed, "exit_code": last.exit_code, "seconds": last.seconds, "runs": len(checks)}


def transcript_line(recorded: Recorded) -> TranscriptLine:
    """An attempt's event in short: who did what and how it went."""
    event = recorded.event
    if isinstance(event, ModelCall):
        calls = ", ".join(c.name for c in event.tool_calls) or "no tool call"
        text = " ".join(event.content.split())[:LINE_CHARS]
        return {
            "kind": "model",
            "text": f"{text} → {calls}" if text else f"→ {calls}",
            "tokens": event.tokens_in + event.tokens_out,
        }
    if isinstance(event, ToolCall):
        output = event.output.strip().splitlines()
        return {
            "kind": "tool",
            "text": f"{event.tool}({_brief(event.args)})",
            "ok": event.ok,
            "output": output[0][:LINE_CHARS] if output else "",
        }
    if isinstance(event, Duplicate):
        return {
            "kind": "check",
            "text": "finish",
            "ok": False,
            "exit_code": None,
            "seconds": 0.0,
            "output": "not run again: the files are as in a try this step's check already failed",
        }
    assert isinstance(event, Check)
    tail = [line for line in event.output.splitlines() if line.strip()]
    return {
        "kind": "check",
        "text": event.trigger,
        "ok": event.passed,
        "exit_code": event.exit_code,
        "seconds": event.seconds,
        "output": tail[-1][:LINE_CHARS] if tail else "",
    }


def _brief(args: Any) -> str:
    if not isinstance(args, dict):
        return str(args)[:80]
    return ", ".join(f"{k}={' '.join(str(v).split())[:40]!r}" for k, v in args.items())


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 1) if start and end else None
