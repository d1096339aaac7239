"""Quick mode: no planner call. One step for the fast worker, built from the issue and the first test run;
the planner is called only when the worker is stuck."""

from __future__ import annotations

from agent.engine.conversation.control import PlanArgs, StepPlan
from agent.engine.planning.triage import Triage
from agent.test_files import is_test_path
from state import Job

TITLE = "Resolve the issue"
TITLE_CHARS = 72
ISSUE_CHARS = 800


def quick_reason(mode: str, found: Triage) -> str | None:
    """Why the quick path is taken, or None for the planner."""
    if mode == "quick":
        return "quick mode was asked for"
    if mode != "auto" or not found.small:
        return None
    if found.failing_tests:
        files = sorted({t.split("::")[0] for t in found.failing_tests})
        return f"the issue looks small: the failing tests are in one file ({files[0]})"
    return "the issue looks small: its traceback or its names point to one source file"


def quick_plan(job: Job, found: Triage, why: str) -> PlanArgs:
    failing = ", ".join(found.failing_tests[:8])
    instructions = (
        f"{_cut(job.issue_text, ISSUE_CHARS)}\n\nChange the code so that the issue is resolved and the check passes"
        + (f" (failing now: {failing})" if failing else "")
        + ". Start from the files below; keep the change small and do not weaken the tests."
    )
    # A test file named by the plan may change in its step: the quick step names none, so the tests stay the judge
    # (an issue naming a test must not open it to edits).
    files = [f for f in found.files if not is_test_path(f)]
    step = StepPlan(title=_title(job), instructions=instructions, files=files, check=found.check)
    return PlanArgs(
        summary=f"One step for the worker, no planner call: {why}.", steps=[step], test_command=found.test_command
    )


def _title(job: Job) -> str:
    title = " ".join((job.issue_title or "").split())
    return f"{TITLE}: {_cut(title, TITLE_CHARS - len(TITLE) - 2)}" if title else TITLE


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(maxsplit=1)[0] + " …"
