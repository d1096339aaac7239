"""What a check's output teaches: the failing part of it, and whether an edit made things better or worse."""

from __future__ import annotations

import re

from agent.errors import UserError
from sandbox import CommandResult
from tools.base import truncate_middle

_COUNT = re.compile(r"(\d+) (failed|passed|errors?)\b")
_SECTION = re.compile(r"^=+ (FAILURES|ERRORS|short test summary info) =+$", re.MULTILINE)
NO_SUMMARY = 10**6
_NO_MODULE = re.compile(r"^\S*: No module named ([\w.]+)\s*$", re.MULTILINE)
"""Python's own words when `python -m X` finds no X (an import error inside the code quotes the name instead)."""
_DASH_M = re.compile(r"(?:^|\s)-m\s+([\w.]+)")
_PYTEST = re.compile(r"\bpytest\b")
_TELLING = ("not found", "No module named", "error:", "ERROR:", "cannot execute", "Permission denied")
HOW_TO_RUN = (
    "give one that runs here with --test-command (or test_command in .sparkwright.toml), make its runner available "
    "where the job runs (a setup_command, or run sparkwright from a virtual environment that has it), "
    "or use the Docker sandbox"
)


class UnrunnableCheck(UserError):
    """The test runner itself cannot start: no model call can fix that, so the job ends at once."""


def failing_part(output: str, limit: int = 3000) -> str:
    """pytest's failure and error sections when it printed them, else the output's tail: what the model needs."""
    section = _SECTION.search(output)
    part = output[section.start() :] if section else output[-limit:]
    return truncate_middle(part.strip(), limit)


def distance(result: CommandResult) -> int:
    """How far a check is from passing, comparable between runs of the same check: 0 when it passes; a test
    that cannot even run (an error: import, syntax, collection) counts far more than one that fails."""
    if result.ok:
        return 0
    counts: dict[str, int] = {}
    for number, word in _COUNT.findall(result.output[-2000:]):
        counts[word.rstrip("s")] = int(number)
    if not counts or result.timed_out:
        return NO_SUMMARY
    return counts.get("error", 0) * 1000 + counts.get("failed", 0) or NO_SUMMARY


def worse(now: CommandResult, before: CommandResult) -> bool:
    return distance(now) > distance(before)


def unrunnable(command: str, result: CommandResult, usage_errors: bool = True) -> str | None:
    """Why the command's runner itself did not start (missing, not executable, its module absent, or pytest
    rejecting its arguments), or None when it ran: a failure inside the repository's own code, such as a test
    module that cannot import the code under test, is a failure a job may fix, not this."""
    if result.ok or result.timed_out:
        return None
    said = next((line.strip()[:200] for line in result.output.splitlines() if any(t in line for t in _TELLING)), "")
    said = said or (result.output.strip().splitlines() or ["no output"])[-1].strip()[:200]
    if result.exit_code in (126, 127):
        return f"the command was not found or cannot execute (exit {result.exit_code}): {said}"
    module = _DASH_M.search(command)
    if module and module.group(1) in _NO_MODULE.findall(result.output):
        return f"its Python has no module {module.group(1)} ({said})"
    if usage_errors and result.exit_code == 4 and _PYTEST.search(command):
        return f"pytest rejected its arguments (exit 4, a usage error): {said}"
    return None


def require_runnable(command: str, result: CommandResult, what: str, usage_errors: bool = True) -> None:
    """Raises `UnrunnableCheck` naming `what` ("the test command", "the check of step …") when its runner cannot
    start."""
    if why := unrunnable(command, result, usage_errors):
        raise UnrunnableCheck(f"{what} `{command}` cannot run here: {why}; {HOW_TO_RUN}")
