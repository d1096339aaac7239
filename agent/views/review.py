"""`review` in three forms: text for a terminal (the diff syntax-highlighted only on a real terminal),
a pull-request body in Markdown, and JSON for scripts (`ReviewFormat`, in `agent.views.review_format`). The data
comes from `agent.views.review_data`."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.syntax import Syntax
from rich.text import Text

from agent.record.review_record import ReviewRecord, Round, StepDetail, StepReview, StepView, TranscriptLine
from agent.views.review_data import review_record, step_record
from agent.views.review_format import ReviewFormat
from agent.views.review_markdown import check_text, markdown, one_line, step_markdown, usage_text
from agent.views.terminal import printable, safe_text
from state import AttemptStatus, Job, JobStatus, SqlStore, StepStatus

# Job, step and attempt statuses share these words ("failed", "interrupted"): one style each.
STATUS_STYLES: dict[str, str] = {
    StepStatus.DONE: "green",
    JobStatus.SUCCEEDED: "green",
    AttemptStatus.PASSED: "green",
    JobStatus.FAILED: "red",
    StepStatus.SUPERSEDED: "dim",
    StepStatus.SKIPPED: "dim",
    JobStatus.INTERRUPTED: "yellow",
}


class NoSuchStep(LookupError):
    """`--step K` is outside the plan."""


def print_review(
    store: SqlStore, job: Job, fmt: ReviewFormat, console: Console, step: int | None = None, *, fixes: int | None
) -> None:
    record = review_record(store, job, fixes=fixes)
    if step is None:
        _print_record(record, fmt, console)
        return
    if not 1 <= step <= len(record["steps"]):
        raise NoSuchStep(f"job {job.id} has {len(record['steps'])} step(s): pass --step 1..{len(record['steps'])}")
    view = step_record(store, job, record, step)
    if fmt == ReviewFormat.JSON:
        _print_json(view, console)
    elif fmt == ReviewFormat.MARKDOWN:
        console.out(printable(step_markdown(view)), highlight=False)
    else:
        print_step(view, console)


def _print_record(record: ReviewRecord, fmt: ReviewFormat, console: Console) -> None:
    if fmt == ReviewFormat.JSON:
        _print_json(record, console)
    elif fmt == ReviewFormat.MARKDOWN:
        console.out(printable(markdown(record)), highlight=False)
    else:
        print_text(record, console)


def _print_json(record: ReviewRecord | StepView, console: Console) -> None:
    console.out(json.dumps(record, indent=1, default=str, ensure_ascii=False), highlight=False)


def print_text(r: ReviewRecord, console: Console) -> None:
    say = _sayer(console)
    say(("job ", "bold"), (r["id"], "bold"), " — ", _status(r["status"]), f": {r['reason'] or ''}")
    say("issue: ", r["issue"]["title"], f"  <{r['issue']['url']}>" if r["issue"]["url"] else "")
    say(f"branch: {r['branch']}  base: {r['base_commit'][:12]}  head: {r['head'][:12]}  repo: {r['repo']}")
    say(f"time: {r['working_seconds']:.1f}s working  ·  ", usage_text(r["usage"]))
    if r["tests_changed"]:
        say(("tests changed by this branch: ", "yellow"), ", ".join(r["tests_changed"]))
    say()
    say(("plan: ", "bold"), r["plan"]["summary"] or "(none)", f"  ·  tests: {r['plan']['test_command']}")
    for rev in r["plan"]["revisions"]:
        say(f"  revision {rev['number']} ({rev['kind']}): ", one_line(rev["reason"]))
    say()
    say(("steps", "bold"))
    for step in r["steps"]:
        _say_step(say, step)
    for rnd in r["rounds"]:
        _say_round(say, rnd, len(r["rounds"]) > 1)
    say()
    say(("commits", "bold"), f" (git log {r['base_commit'][:10]}..{r['branch']})")
    for c in r["commits"]:
        say(f"  {c['sha']} ", c["subject"])
    say(("files touched", "bold"))
    for f in r["files"]:
        say(
            f"  {f['status']} {f['path']}  +{f['insertions'] if f['insertions'] is not None else '?'} "
            f"-{f['deletions'] if f['deletions'] is not None else '?'}"
        )
    say()
    say(("diff", "bold"), f" {r['base_commit'][:10]}..{r['head'][:10]}")
    print_diff(console, r["diff"])


def _say_step(say: Any, s: StepReview | StepDetail) -> None:
    commit = s["commit"] or "no commit"
    flag = "" if s["commit_on_branch"] or not s["commit"] else " (not on the branch!)"
    say(f"  {s['number']}. [", _status(s["status"]), f"] {s['title']}  ", (commit, "cyan"), flag)
    say(
        f"     check: {s['check']} → ",
        check_text(s),
        f"  ·  {len(s['attempts'])} attempt(s), {s['escalations']} escalation(s)",
        f", {s['seconds']:.1f}s" if s["seconds"] is not None else "",
    )
    if s["reproduction"]:
        r = s["reproduction"]
        say("     reproduced first by ", (r["path"], "cyan"), f" (failed before the fix; try {r['tries']})")
    if s["unverified"]:
        say(("     unverified: ", "yellow"), one_line(s["unverified"]))
    if s["out_of_scope"]:
        say("     also changed, outside the step's files: ", ", ".join(s["out_of_scope"]))
    for a in s["attempts"]:
        say(f"     attempt {a['number']} ({a['tier']}): ", _status(a["status"]), f" — {one_line(a['reason'])}")
    for d in s["decisions"]:
        say(f"     escalation: {one_line(d['why'])} → {d['decision']}", _detail(d["detail"]))


def _say_round(say: Any, rnd: Round, several: bool) -> None:
    say()
    if several:
        head = (
            "round 0 (the job)"
            if rnd["round"] == 0
            else f"round {rnd['round']} (feedback: {one_line(rnd['feedback'])})"
        )
        say((head, "bold"), " — ", _status(rnd["status"] or JobStatus.RUNNING), f": {rnd['reason'] or ''}")
    for t in rnd["test_runs"]:
        say(f"tests: {t['command']} → ", _status("passed" if t["passed"] else "failed"), f"  {t['summary']}")
    if rnd["summary"]:
        say("summary: ", rnd["summary"])
    for u in rnd["uncertainties"]:
        say(("uncertain: ", "yellow"), u)


def print_step(r: StepView, console: Console) -> None:
    say, s = _sayer(console), r["step"]
    say((f"job {r['job']} · step {s['number']}", "bold"), f" (id {s['id']}, round {s['round']}) on {r['branch']}")
    _say_step(say, s)
    for a in s["attempts"]:
        say()
        say(
            (f"attempt {a['number']} ({a['tier']})", "bold"),
            " — ",
            _status(a["status"]),
            f", {a['turns']} turns, {a['tokens_in'] + a['tokens_out']} tokens",
            f", {a['seconds']:.1f}s" if a["seconds"] is not None else "",
        )
        for line in a["transcript"]:
            say("  ", *transcript_parts(line))
    say()
    if s["diff"]:
        print_diff(console, s["diff"])
    elif s["attempts"] and s["attempts"][-1]["diff"]:
        say(("no commit", "bold"), ": the last attempt's edits (discarded) were")
        print_diff(console, s["attempts"][-1]["diff"] + "\n")
    else:
        say("no commit and no diff for this step")


def transcript_parts(line: TranscriptLine) -> list[Any]:
    if line["kind"] == "model":
        return [("model ", "magenta"), line["text"], f"  ({line['tokens']} tokens)"]
    if line["kind"] == "tool":
        return [
            ("  tool ", "blue"),
            line["text"],
            " → ",
            ("ok", "green") if line["ok"] else ("error", "red"),
            f": {line['output']}" if line["output"] and not line["ok"] else "",
        ]
    verdict = ("passed", "green") if line["ok"] else ("failed", "red")
    return [
        ("  check ", "blue"),
        f"({line['text']}) ",
        verdict,
        f", exit {line['exit_code']}, {line['seconds']}s",
        f": {line['output']}" if line["output"] else "",
    ]


def print_diff(console: Console, diff: str) -> None:
    if not diff:
        console.print("(no changes)", highlight=False)
    elif console.is_terminal:
        console.print(Syntax(printable(diff), "diff", theme="ansi_dark", background_color="default"))
    else:
        console.out(printable(diff), highlight=False, end="")


def _sayer(console: Console) -> Any:
    def say(*parts: Any) -> None:
        console.print(
            safe_text(*(p if isinstance(p, (tuple, Text)) else str(p) for p in parts)), soft_wrap=True, highlight=False
        )

    return say


def _status(status: str) -> tuple[str, str]:
    return str(status), STATUS_STYLES.get(status, "")


def _detail(detail: dict[str, Any] | None) -> str:
    text = (detail or {}).get("guidance") or (detail or {}).get("reason") or (detail or {}).get("stop_reason")
    return f": {one_line(text)}" if text else ""
