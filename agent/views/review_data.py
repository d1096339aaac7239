"""What `review` reads: the job record plus what git itself holds (commits, the full diff, files touched).

Steps are numbered by their place in the plan (1-based, superseded steps included), the way `review`
lists them; `--step K` uses that number."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from git import BadName, GitCommandError, InvalidGitRepositoryError, NoSuchPathError, Repo

from agent.github.refs import IssueURLError, host_of, parse_issue_url
from agent.repo import RepoError
from agent.views.jobs import job_record
from agent.test_files import is_test_path
from state import Event, Job, SqlStore

ROUND_EVENTS = ("feedback", "test_run", "review", "job_finished")
TRANSCRIPT_EVENTS = ("model_call", "tool_call", "check")
SPAN_EVENTS = ("job_started", "job_resumed", "job_finished", "job_interrupted")


def review_record(store: SqlStore, job: Job) -> dict[str, Any]:
    """The job record (as `show --json`) plus what git holds: commits, the full diff, files touched."""
    record = job_record(store, job)
    events = store.events(job.id, kinds=("check", "step_done", *ROUND_EVENTS, *SPAN_EVENTS))
    record.update(git_facts(job))
    record["tests_changed"] = [f["path"] for f in record["files"] if is_test_path(f["path"])]
    record["fixes"] = fixes_number(job.issue_url)
    record["rounds"] = rounds(events)
    record["working_seconds"] = round(working_seconds(events), 1)
    feedback_revisions = [r["revision"] for r in record["rounds"][1:]]
    shas = {c["sha"] for c in record["commits"]}
    reports = store.failure_reports(job.id)
    steps = {s.id: s for s in store.steps(job.id)}
    for number, step in enumerate(record["steps"], 1):
        row = steps[step["id"]]
        step.update(number=number, round=sum(1 for r in feedback_revisions if r <= row.revision),
                    seconds=_seconds(row.started_at, row.finished_at), commit_on_branch=step["commit"] in shas,
                    check_result=_last_check(events, row.id), out_of_scope=_out_of_scope(events, row.id),
                    decisions=[{"why": r.report.get("why"), "decision": r.decision, "detail": r.decision_detail}
                               for r in reports if r.step_id == row.id])
    return record


def step_record(store: SqlStore, job: Job, record: dict[str, Any], number: int) -> dict[str, Any]:
    """One step of `record` with its own diff (`git show` of its commit) and its attempts' transcripts."""
    step = dict(record["steps"][number - 1])
    attempts = {a.number: a for a in store.attempts(job.id, step["id"])}
    for attempt in step["attempts"]:
        row = attempts[attempt["number"]]
        attempt["seconds"] = _seconds(row.started_at, row.finished_at)
        attempt["transcript"] = [transcript_line(e) for e in store.events(job.id, TRANSCRIPT_EVENTS, row.id)]
        attempt["diff"] = row.diff
    step["diff"] = show_commit(job, step["commit"]) if step["commit_on_branch"] else None
    return {"job": job.id, "issue": record["issue"], "branch": job.branch, "step": step}


# git
def git_facts(job: Job) -> dict[str, Any]:
    repo = _open(job)
    head = _branch_head(repo, job)
    span = f"{job.base_commit}..{head}"
    commits = [{"sha": c.hexsha, "subject": c.summary, "step": _step_of(c.message, job.id),
                "authored": c.authored_datetime.isoformat()} for c in repo.iter_commits(span, reverse=True)]
    diff = repo.git.diff("--no-color", "--no-ext-diff", job.base_commit, head)
    return {"head": head, "commits": commits, "diff": diff + "\n" if diff else "", "files": _files(repo, job, head)}


def show_commit(job: Job, sha: str) -> str:
    return _open(job).git.show("--no-color", "--no-ext-diff", "--stat", "--patch", sha) + "\n"


def _open(job: Job) -> Repo:
    try:
        return Repo(job.repo_path)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise RepoError(f"the job's repository {job.repo_path} is gone or not a git repository: "
                        "restore it to review the job") from None


def _branch_head(repo: Repo, job: Job) -> str:
    try:
        return repo.commit(f"refs/heads/{job.branch}").hexsha
    except (BadName, ValueError, GitCommandError):
        raise RepoError(f"the job's branch {job.branch} no longer exists in {job.repo_path}: "
                        "restore it (e.g. from its remote) to review the job") from None


def _files(repo: Repo, job: Job, head: str) -> list[dict[str, Any]]:
    statuses = {}
    for line in repo.git.diff("--name-status", "--no-renames", job.base_commit, head).splitlines():
        status, path = line.split("\t", 1)
        statuses[path] = status
    files = []
    for line in repo.git.diff("--numstat", "--no-renames", job.base_commit, head).splitlines():
        added, deleted, path = line.split("\t", 2)
        files.append({"path": path, "status": statuses.get(path, "M"),
                      "insertions": int(added) if added.isdigit() else None,
                      "deletions": int(deleted) if deleted.isdigit() else None})
    return files


def _step_of(message: str, job_id: str) -> int | None:
    match = re.search(rf"^Sparkwright-Step: {re.escape(job_id)}/(\d+)$", message, re.MULTILINE)
    return int(match.group(1)) if match else None


# the record's events
def rounds(events: list[Event]) -> list[dict[str, Any]]:
    """Round 0 is the job as first run; each `revise` starts the next one with the reviewer's feedback."""
    found = [_round(0, None, None)]
    for e in events:
        p, current = e.payload, found[-1]
        if e.kind == "feedback":
            found.append(_round(len(found), p.get("feedback"), p.get("revision")))
        elif e.kind == "test_run":
            current["test_runs"].append(test_evidence(p))
        elif e.kind == "review" and p.get("decision") == "finish":
            current.update(summary=p.get("summary"), uncertainties=p.get("uncertainties") or [])
        elif e.kind == "job_finished":
            current.update(status=p.get("status"), reason=p.get("reason"))
    return found


def _round(number: int, feedback: str | None, revision: int | None) -> dict[str, Any]:
    return {"round": number, "feedback": feedback, "revision": revision, "status": None, "reason": None,
            "summary": None, "uncertainties": [], "test_runs": []}


def test_evidence(payload: dict[str, Any]) -> dict[str, Any]:
    lines = [line for line in (payload.get("output") or "").splitlines() if line.strip()]
    return {"command": payload.get("command"), "passed": bool(payload.get("passed")),
            "exit_code": payload.get("exit_code"), "seconds": payload.get("seconds"),
            "summary": lines[-1].strip("= ") if lines else ""}


def working_seconds(events: list[Event]) -> float:
    """Time the job was actually running: from each start or resume to the next finish or interruption."""
    total, since = 0.0, None
    for e in events:
        if e.kind in ("job_started", "job_resumed"):
            since = e.ts
        elif e.kind in ("job_finished", "job_interrupted") and since is not None:
            total += (e.ts - since).total_seconds()
            since = None
    return total


def _out_of_scope(events: list[Event], step_id: int) -> list[str]:
    """Files the step's commit changed beyond those its plan named."""
    done = [e.payload for e in events if e.kind == "step_done" and e.step_id == step_id]
    return done[-1].get("out_of_scope", []) if done else []


def _last_check(events: list[Event], step_id: int) -> dict[str, Any] | None:
    checks = [e.payload for e in events if e.kind == "check" and e.step_id == step_id]
    if not checks:
        return None
    last = checks[-1]
    return {"passed": last.get("passed"), "exit_code": last.get("exit_code"), "seconds": last.get("seconds"),
            "runs": len(checks)}


def transcript_line(e: Event) -> dict[str, Any]:
    """An attempt's event in short: who did what and how it went."""
    p = e.payload
    if e.kind == "model_call":
        calls = ", ".join(c["name"] for c in p.get("tool_calls") or []) or "no tool call"
        text = " ".join(str(p.get("content") or "").split())[:160]
        return {"kind": "model", "text": f"{text} → {calls}" if text else f"→ {calls}",
                "tokens": p.get("tokens_in", 0) + p.get("tokens_out", 0)}
    if e.kind == "tool_call":
        output = (p.get("output") or "").strip().splitlines()
        first = output[0][:160] if output else ""
        return {"kind": "tool", "text": f"{p.get('tool')}({_brief(p.get('args'))})", "ok": p.get("ok"),
                "output": first}
    tail = [line for line in (p.get("output") or "").splitlines() if line.strip()]
    return {"kind": "check", "text": p.get("trigger", ""), "ok": p.get("passed"), "exit_code": p.get("exit_code"),
            "seconds": p.get("seconds"), "output": tail[-1][:160] if tail else ""}


def _brief(args: Any) -> str:
    if not isinstance(args, dict):
        return str(args)[:80]
    return ", ".join(f"{k}={' '.join(str(v).split())[:40]!r}" for k, v in args.items())


def fixes_number(issue_url: str | None) -> int | None:
    """The issue number for "Fixes #N" when the job came from a GitHub issue."""
    if not issue_url:
        return None
    try:
        # Intake only accepts GitHub issue URLs, so the URL's own host counts (GitHub Enterprise too).
        return parse_issue_url(issue_url, [host_of(issue_url)]).number
    except IssueURLError:
        return None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 1) if start and end else None
