"""What the models read. Briefs are compact: each carries what its reader needs and no history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent.engine.conversation.control import PlanArgs
from agent.issue import issue_block
from state import Job

if TYPE_CHECKING:
    from agent.engine.planning.triage import Triage

PLANNER_SYSTEM = """You are sparkwright's planner, a senior engineer. Read the issue, explore the repository with the
read-only tools (list_files, search, view_file), then call submit_plan exactly once (a tool call, not text).

Every step is an EDIT: it changes one or a few files, and a fast junior model carries it out with the files in
front of it. There are no steps to identify, analyse, debug, reproduce, review or test something on their own:
put that understanding into the instructions of the step that makes the change. A one-function bug is ONE step.

Each step has:
- `title`: an imperative edit, e.g. "Multiply price by quantity in Cart.subtotal_cents" (it becomes the commit);
- `files`: the files it edits, by their exact paths from the repository root (they must exist, unless the step
  creates them and says so);
- `instructions`: which function, what to change, which edge cases;
- `check`: ONE shell command that FAILS now and passes once the step is done, usually the failing tests,
  e.g. `python -m pytest -q tests/test_x.py::test_y`; a step that adds a test names that test.
  Each check is run before work starts: a check that passes already, or that cannot run, sends the plan back.
Set `test_command` to the repository's full test run (e.g. `python -m pytest -q`).
Do not edit anything yourself."""


def planner_brief(job: Job, tree: str, agents_md: str | None, triage: Triage | None = None) -> str:
    parts = [f"## Issue\n{issue_block(job)}"]
    if triage:
        parts.append(tests_now(triage))
    parts.append(f"## Repository files\n{tree}")
    if agents_md:
        parts.append(f"## Repository instructions (AGENTS.md)\n{agents_md}")
    return "\n\n".join(parts)


def tests_now(triage: Triage) -> str:
    if triage.passed:
        return f"## Tests before any change\n`{triage.test_command}` passes."
    failing = "\n".join(f"- {t}" for t in triage.failing_tests[:20]) or "(no test ids found in its output)"
    files = ", ".join(triage.files) or "(none found)"
    return (
        f"## Tests before any change\n`{triage.test_command}` fails. Failing tests:\n{failing}\n"
        f"Narrowest failing check: `{triage.check}`\nFiles they point to: {files}\n\n{triage.check_output}"
    )


def rejected_plan(number: int, plan: PlanArgs, problems: Sequence[str]) -> str:
    steps = "\n".join(
        f"{n}. {s.title} — files: {', '.join(s.files) or '-'} — check: `{s.check}`" for n, s in enumerate(plan.steps, 1)
    )
    reasons = "\n".join(f"- {p}" for p in problems)
    return (
        f"\n\n## Your plan {number} cannot work\n{steps}\n\nProblems:\n{reasons}\n\n"
        "Call submit_plan with a corrected plan that fixes every problem above."
    )
