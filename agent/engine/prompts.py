"""What the models read. Briefs are compact: each carries what its reader needs and no history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent.engine.control import PlanArgs
from agent.record import FailureReport
from state import Job, Step

if TYPE_CHECKING:
    from agent.engine.triage import Triage

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

STEP_RULES = """\
Reply with tool calls only. Use edit_file with old_text copied exactly from the file (it must match once).
Run the step's check with run_check whenever useful. When the step is complete, call finish with a one-line
summary: the check is then run for you and only a passing check completes the step. If you cannot make progress,
call stuck with what you tried and your best hypothesis. Do not change unrelated code or tests."""

WORKER_SYSTEM = f"""You are sparkwright's fast worker. You carry out ONE step of a plan with minimal, precise edits.
{STEP_RULES}"""

TAKEOVER_SYSTEM = f"""You are sparkwright's planner, taking over one step of your own plan: the fast worker could not
complete it, so you now carry it out yourself with the worker's tools, with minimal, precise edits. The brief is
the one a worker gets; its "Guidance from the planner" is a note you wrote yourself when the step came back to you.
{STEP_RULES}"""

ESCALATION_SYSTEM = """You are sparkwright's planner. A step failed in the fast worker's hands; its failure report
follows. Decide, with exactly one tool call:
- retry: the step is right, the worker needs guidance (say precisely what to change and where);
- split: the step is too big; replace it with smaller steps;
- revise: the rest of the plan is wrong; replace all remaining steps;
- take_over: you will do this step yourself with the worker's tools;
- stop: the job cannot succeed; explain honestly what is left and why."""

REVIEW_SYSTEM = """You are sparkwright's planner doing the final review. Compare the whole diff with the issue and
read the full test run. Call finish_job if the issue is resolved (note anything uncertain), or add_steps with
follow-up steps if something is missing or broken. Keep tests that the job added or changed."""


TEXT_EDIT_SYSTEM = {
    "whole_file": """You fix issues in a code repository with minimal, precise changes. For every file you change,
write its path on a line of its own, then the WHOLE corrected file in one fenced code block. Keep everything that
does not need to change exactly as it is. Do not change tests unless the task says so.""",
    "search_replace": """You fix issues in a code repository with minimal, precise changes. For every change, write
the file's path on a line of its own, then an edit block:
<<<<<<< SEARCH
lines copied exactly from the file
=======
the lines that replace them
>>>>>>> REPLACE
Keep SEARCH short: the lines that change and one line around them. Do not change tests unless the task says so.""",
}

TEXT_EDIT_ASK = {
    # Small models follow the last words of the prompt: the ask comes after the files, as in one good prompt.
    "whole_file": "Fix the issue. Reply with the whole corrected content of each file you change, each in its own "
    "fenced code block directly preceded by a line holding the file's path. Change only what the issue needs.",
    "search_replace": "Fix the issue. For each change, reply with the file's path on a line of its own, then:\n"
    "<<<<<<< SEARCH\n(the lines to change, copied exactly from the file)\n=======\n(the new lines)\n"
    ">>>>>>> REPLACE\nChange only what the issue needs.",
}


def attempt_system(tier: str) -> str:
    """Who works a step: the fast worker, or the deep model when the planner took the step over."""
    return TAKEOVER_SYSTEM if tier == "deep" else WORKER_SYSTEM


def issue_block(job: Job) -> str:
    title = f"# {job.issue_title}\n\n" if job.issue_title else ""
    comments = "".join(
        f"\n\n--- comment by {c.get('author', '?')}:\n{c.get('body', '')}" for c in job.issue_comments or []
    )
    return f"{title}{job.issue_text}{comments}"


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


def worker_brief(
    job: Job,
    step: Step,
    plan: Sequence[Step],
    files: dict[str, str],
    agents_md: str | None,
    notes: Sequence[str],
    failure: str | None = None,
) -> str:
    outline = "\n".join(f"{'->' if s.id == step.id else '  '} [{s.status}] {s.title}" for s in plan)
    parts = [
        f"## Issue\n{issue_block(job)}",
        f"## Plan\n{outline}",
        f"## Your step: {step.title}\n{step.instructions}\n\nCheck (must pass): `{step.check_command}`",
    ]
    if step.guidance:
        parts.append(f"## Guidance from the planner\n{step.guidance}")
    if failure is not None:
        parts.append(f"## The check fails now\n{failure}")
    if notes:
        parts.append("## Notes from earlier steps\n" + "\n".join(f"- {n}" for n in notes))
    if agents_md:
        parts.append(f"## Repository instructions (AGENTS.md)\n{agents_md}")
    for path, text in files.items():
        parts.append(f"## {path}\n{text}")
    return "\n\n".join(parts)


def text_edit_brief(job: Job, step: Step, files: dict[str, str], failure: str | None, edit_format: str) -> str:
    """The brief of a text-format candidate: like a single good prompt, the issue and the files whole."""
    parts = [f"## Issue\n{issue_block(job)}"]
    if step.instructions[:60].strip() not in job.issue_text:  # quick mode's step is the issue itself: once is enough
        parts.append(f"## Your task: {step.title}\n{step.instructions}")
    if step.guidance:
        parts.append(f"## Guidance from the planner\n{step.guidance}")
    if failure is not None:
        parts.append(f"## The check `{step.check_command}` fails now\n{failure}")
    for path, text in files.items():
        parts.append(f"{path}\n```\n{text}\n```" if text else f"{path}\n(does not exist yet)")
    parts.append(TEXT_EDIT_ASK[edit_format])
    return "\n\n".join(parts)


def escalation_brief(job: Job, plan: Sequence[Step], report: FailureReport) -> str:
    outline = "\n".join(f"{s.id}. [{s.status}] {s.title} — check: {s.check_command}" for s in plan)
    return (
        f"## Issue\n{issue_block(job)}\n\n## Plan\n{outline}\n\n## Failure report\n"
        f"{json.dumps(report.stored(), indent=1, ensure_ascii=False)}"
    )


def review_brief(job: Job, plan: Sequence[Step], diff: str, test_command: str, test_output: str, passed: bool) -> str:
    outline = "\n".join(f"- [{s.status}] {s.title}" for s in plan)
    verdict = "PASSED" if passed else "FAILED"
    return (
        f"## Final review\n\n## Issue\n{issue_block(job)}\n\n## Plan\n{outline}\n\n## Diff against the base\n{diff}\n\n"
        f"## Full test run `{test_command}`: {verdict}\n{test_output}"
    )
