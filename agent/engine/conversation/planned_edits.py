"""Whether a planned step edits anything it can: files that exist, or that it says it creates. A plan is checked
so before any work, and so are the steps an escalation splits a step into."""

from __future__ import annotations

import re

from agent.engine.context import JobContext
from agent.engine.conversation.control import StepPlan
from agent.test_files import is_test_path, normalized

NOT_AN_EDIT = re.compile(
    r"^\W*(identify|analy[sz]e|investigate|debug|understand|review|inspect|examine|locate|find|explore|read|look"
    r"|reproduce|diagnose|determine|research|study|confirm|run)\b",
    re.IGNORECASE,
)
TESTING = re.compile(r"^\W*(test|verify)\b", re.IGNORECASE)
"""A "test …" or "verify …" step is an edit only when it writes a test."""
CREATES = re.compile(r"\b(create|add|new|write)\b", re.IGNORECASE)


def edit_problems(ctx: JobContext, step: StepPlan, planned: set[str]) -> list[str]:
    """What a step's title and files say about whether it edits anything; `planned` are earlier steps' files."""
    found = []
    if NOT_AN_EDIT.match(step.title) or (TESTING.match(step.title) and not any(map(is_test_path, step.files))):
        found.append(
            "is not an edit: every step must change files; do the finding, reading and testing inside the step "
            "that makes the change"
        )
    if not step.files:
        found.append("names no file: list in `files` the files the step edits (paths from the repository root)")
    for path in step.files:
        if not (ctx.reader.is_file(path) or normalized(path) in planned or _creates(step, path)):
            found.append(
                f"file {path!r} does not exist: name existing files from the repository root, or say in the "
                "instructions that the step creates it"
            )
    return found


def _creates(step: StepPlan, path: str) -> bool:
    """A new test the check names, or a file the step says it creates (by name: a wrong path is not a new file)."""
    path = normalized(path)
    if is_test_path(path) and path in step.check:
        return True
    said = f"{step.title}\n{step.instructions}"
    stem = path.rsplit("/", 1)[-1].split(".")[0]
    return bool(CREATES.search(said) and re.search(rf"\b{re.escape(stem)}\b", said, re.IGNORECASE))
