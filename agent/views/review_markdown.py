"""`review --format markdown`: a pull-request body for the job's branch (or one step, with `--step`)."""

from __future__ import annotations

import re

from agent.issue import fit_pull_request_body
from agent.record.job_record import Usage
from agent.record.review_record import ReviewRecord, Round, StepDetail, StepReview, StepView


def markdown(r: ReviewRecord) -> str:
    issue = r["issue"]
    parts = [f"# {escape(issue['title'] or 'sparkwright job ' + r['id'])}"]
    if r["fixes"] is not None:
        parts.append(f"Fixes #{r['fixes']}")
    if issue["url"]:
        parts.append(f"Issue: [{escape(issue['title'] or issue['url'])}]({link_target(issue['url'])})")
    parts.append(f"**Outcome:** {escape(r['status'])} — {escape(one_line(r['reason']))}")
    if r["tests_changed"]:
        parts.append(
            "**Tests changed by this branch** (check they were not weakened): "
            + ", ".join(code(p) for p in r["tests_changed"])
        )
    if r["summary"]:
        parts.append("## Summary\n\n" + escape(r["summary"].strip()))
    parts.append(
        "## Plan\n\n"
        + (escape(r["plan"]["summary"] or "") or "_No plan was made._")
        + "\n\n"
        + "\n".join(
            f"- revision {v['number']} ({v['kind']}): {escape(one_line(v['reason']))}" for v in r["plan"]["revisions"]
        )
    )
    if r["steps"]:
        parts.append("## Steps\n\n" + "\n".join(map(_step_line, r["steps"])))
    if len(r["rounds"]) > 1:
        parts.append(
            "## Review feedback\n\n"
            + "\n".join(
                f"- round {x['round']}: {escape(one_line(x['feedback']))} → {x['status'] or 'running'}"
                for x in r["rounds"][1:]
            )
        )
    parts.append("## Test evidence\n\n" + (_evidence(r["rounds"]) or "_No tests were run._"))
    if r["files"]:
        parts.append(
            "## Files touched\n\n"
            + "\n".join(f"- {code(f['path'])} (+{f['insertions']} −{f['deletions']})" for f in r["files"])
        )
    if r["uncertainties"]:
        parts.append(
            "## Needs a second look\n\n" + "\n".join(f"- {escape(one_line(u, 500))}" for u in r["uncertainties"])
        )
    parts.append("## Usage\n\n" + _usage_table(r["usage"], r["working_seconds"]))
    parts.append(
        f"---\nDrafted by sparkwright (job {code(r['id'])}, branch {code(r['branch'])}); review before merging."
    )
    return fit_pull_request_body("\n\n".join(parts) + "\n")


def step_markdown(r: StepView) -> str:
    s = r["step"]
    parts = [f"## Step {s['number']}: {escape(s['title'])}", _step_line(s)]
    if r_ := s.get("reproduction"):
        parts.append(
            f"Reproduced first by {code(r_['path'])}, which failed before the fix:\n\n" + fenced(r_["test"], "python")
        )
    if s.get("unverified"):
        parts.append(f"**Unverified:** {escape(one_line(s['unverified'], 500))}")
    for a in s["attempts"]:
        parts.append(f"- attempt {a['number']} ({a['tier']}): {a['status']} — {escape(one_line(a['reason']))}")
    if s["diff"]:
        parts.append(fenced(s["diff"], "diff"))
    return "\n\n".join(parts) + "\n"


def _step_line(s: StepReview | StepDetail) -> str:
    commit = code(s["commit"][:7]) if s["commit"] else "(no commit)"
    outside = f"; also changed {', '.join(map(code, s['out_of_scope']))}" if s.get("out_of_scope") else ""
    return (
        f"{s['number']}. {commit} {escape(s['title'])} — {s['status']}; check {code(s['check'])}: {check_text(s)} "
        f"({len(s['attempts'])} attempt(s), {s['escalations']} escalation(s)){outside}"
    )


def _evidence(rounds: list[Round]) -> str:
    lines = []
    for rnd in rounds:
        label = f" (round {rnd['round']})" if len(rounds) > 1 else ""
        for t in rnd["test_runs"][-1:]:
            verdict = "✅ passed" if t["passed"] else "❌ failed"
            summary = f": {escape(one_line(t['summary']))}" if t["summary"] else ""
            lines.append(f"- {code(t['command'] or '(none)')} {verdict}{summary}{label}")
    return "\n".join(lines)


def _usage_table(usage: Usage, seconds: float) -> str:
    rows = ["| tier | calls | tokens in | tokens out | model time | cost |", "|---|---:|---:|---:|---:|---:|"]
    for tier, t in usage.items():
        cost = f"${t['cost_usd']:.4f}" if "cost_usd" in t else "—"
        rows.append(
            f"| {tier} | {int(t.get('calls', 0))} | {int(t.get('tokens_in', 0))} | "
            f"{int(t.get('tokens_out', 0))} | {t.get('model_seconds', 0):.1f}s | {cost} |"
        )
    return "\n".join(rows) + f"\n\nWorking time: {seconds:.1f}s."


def check_text(step: StepReview | StepDetail) -> str:
    c = step["check_result"]
    if not c:
        return "not run"
    return f"{'passed' if c['passed'] else 'failed'} (exit {c['exit_code']}, {c['seconds']}s)"


def usage_text(usage: Usage) -> str:
    parts = []
    for tier, t in usage.items():
        cost = f", ${t['cost_usd']:.4f}" if "cost_usd" in t else ""
        parts.append(
            f"{tier}: {int(t.get('calls', 0))} calls, {int(t.get('tokens_in', 0))} in / "
            f"{int(t.get('tokens_out', 0))} out tokens, {t.get('model_seconds', 0):.1f}s model{cost}"
        )
    return "  ·  ".join(parts) or "no model calls"


def one_line(text: str | None, limit: int = 200) -> str:
    return " ".join((text or "").split())[:limit]


def escape(text: str) -> str:
    """Model- and user-written text shown as text, not as Markdown or HTML."""
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def code(text: str) -> str:
    """Inline code that survives backticks inside it."""
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fenced(text: str, lang: str) -> str:
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def link_target(url: str) -> str:
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"
