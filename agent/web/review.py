"""The review page's data: `review`'s record, each step with its own diff read into files and lines."""

from __future__ import annotations

from typing import Any

from agent.github.refs import fixes_number
from agent.views.review_data import review_record, step_record
from agent.web.diff import render_diff
from state import Job, JobStatus, SqlStore


def review_view(store: SqlStore, job: Job) -> dict[str, Any]:
    record = review_record(store, job, fixes=fixes_number(job.issue_url))
    check_outputs = {s.id: s.check_output or "" for s in store.steps(job.id)}
    steps = []
    for number, step in enumerate(record["steps"], 1):
        detail = step_record(store, job, record, number)["step"]
        steps.append(
            {"step": detail, "files": render_diff(detail["diff"] or ""), "check_output": check_outputs[step["id"]]}
        )
    finished = JobStatus(record["status"]).finished
    return {
        "record": record,
        "steps": steps,
        "finished": finished,
        "can_push": finished and bool(record["commits"]),
        "from_issue": bool(job.issue_url),
    }


def feedback_text(general: str, anchors: list[str], comments: list[str]) -> str:
    """The reviewer's comments on diff lines, and anything said about the whole, as one `revise` feedback."""
    lines = [
        f"- {anchor}: {comment.strip()}" for anchor, comment in zip(anchors, comments, strict=False) if comment.strip()
    ]
    parts = []
    if lines:
        parts.append("Comments on lines of the diff:\n" + "\n".join(lines))
    if general.strip():
        parts.append(general.strip())
    return "\n\n".join(parts)
