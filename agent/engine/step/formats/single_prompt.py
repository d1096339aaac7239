"""The single prompt: the issue and the files in one message, the whole corrected files back. The request one good
prompt to the model would be, word for word (`benchmarks/solve_rate.py`'s baseline sends exactly this), so a step
never loses what that one prompt wins; the other formats vary the wording."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from agent.engine.step.formats.whole_file import WholeFile
from agent.issue import issue_block
from state import Job, Step

if TYPE_CHECKING:
    from agent.engine.context import JobContext

SYSTEM = "You are an expert Python developer. You fix bugs in small repositories."
ASK = (
    "Fix the issue. Reply with the whole corrected content of each file you change, each in its own fenced "
    "code block directly preceded by a line holding the file's path. Change only what the issue needs."
)


def single_prompt(issue: str, files: Mapping[str, str]) -> tuple[str, str]:
    """The system prompt and the one user message: the issue as written, each file whole, the ask last."""
    parts = [f"# Issue\n\n{issue.strip()}\n\n# Files\n"]
    for name, text in files.items():
        parts.append(f"{name}\n```\n{text.rstrip()}\n```\n")
    parts.append(ASK)
    return SYSTEM, "\n".join(parts)


def issue_as_given(job: Job) -> str:
    """A local issue as its author wrote it; a GitHub issue with its title and comments."""
    return issue_block(job) if job.issue_url else job.issue_text


class SinglePrompt(WholeFile):
    """Whole files back, like `WholeFile` (its nudge, retry hint and length limit), asked for in the one prompt's
    words."""

    name = "single_prompt"
    system_prompt = SYSTEM
    ask = ASK
    shows_check = False

    def brief(self, ctx: JobContext, step: Step, files: Mapping[str, str | None], failure: str | None) -> str:
        """The one prompt's message; a step's own task, guidance or failing check would change its words, so
        they are not added (the other candidates carry them)."""
        return single_prompt(issue_as_given(ctx.job), {p: t for p, t in files.items() if t is not None})[1]


SINGLE_PROMPT = SinglePrompt()
