"""Tool calls: the model edits with the worker's tools (edit_file, run, ...) and ends with finish or stuck. What hosted
models do best, and what the deep model uses when it takes a step over."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from agent.config import Settings
from agent.engine.conversation.loop import TextFormat
from agent.issue import issue_block
from state import Job, Step, StepStatus
from tools.files import numbered

if TYPE_CHECKING:
    from agent.engine.context import JobContext

BRIEF_FILE_LINES = 400
NUDGE = "Reply with a tool call. Tools: {tools}"

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


class ToolCalls:
    name = "tools"
    nudge = NUDGE
    retry_hint = ""
    shows_check = True

    def usable(self, files: Mapping[str, str]) -> bool:
        return True

    def system(self, tier: str) -> str:
        """Who works a step: the fast worker, or the deep model when the planner took the step over."""
        return TAKEOVER_SYSTEM if tier == "deep" else WORKER_SYSTEM

    def brief(self, ctx: JobContext, step: Step, files: Mapping[str, str | None], failure: str | None) -> str:
        plan = ctx.store.steps(ctx.job.id)
        notes = [f"{p.title}: {p.result}" for p in plan if p.status == StepStatus.DONE.value and p.result]
        return worker_brief(ctx.job, step, plan, _numbered(files), ctx.agents_md(), notes, failure)

    def reader(self, files: Mapping[str, str | None]) -> TextFormat | None:
        return None

    def limits(self, settings: Settings) -> tuple[int, int]:
        return settings.check_failures_per_attempt, settings.worker_max_turns


TOOL_CALLS = ToolCalls()


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


def _numbered(files: Mapping[str, str | None]) -> dict[str, str]:
    """The step's files with line numbers, so the worker's first reply can already be the edit."""
    contents = {}
    for path, text in files.items():
        if text is None:
            contents[path] = "(does not exist yet)"
            continue
        total = len(text.splitlines())
        more = (
            f"\n(first {BRIEF_FILE_LINES} of {total} lines; view_file for the rest)" if total > BRIEF_FILE_LINES else ""
        )
        contents[path] = numbered(text, 1, BRIEF_FILE_LINES) + more
    return contents
