"""Whether a plan can work, before any work on it: each step edits files that exist (or that it creates), and
its check runs and fails now, so that its passing later shows the step worked. A step that adds a test may
name the test it adds, which cannot be found yet."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.engine.context import JobContext
from agent.engine.conversation.control import StepPlan
from agent.engine.conversation.planned_edits import edit_problems
from agent.engine.judge import unrunnable
from agent.test_files import is_test_path, normalized
from sandbox import CommandResult
from sandbox.confined import CONTAINER_ROOT

CANNOT_RUN = ("file or directory not found", "no tests ran", "ERROR: not found")
_NOT_FOUND = re.compile(r"(?:file or directory not found|ERROR: not found): (\S+)")


@dataclass(frozen=True)
class Validated:
    """A plan's verdict: the problems found (none: it can work) and each step's check as it ran before work."""

    problems: list[str]
    checks: list[CommandResult]


def validate_plan(ctx: JobContext, steps: Sequence[StepPlan], failing_check: str | None) -> Validated:
    """`failing_check` is a command that fails now (triage's), or None when every test passes before any change:
    then a check that passes already is allowed, since no test shows the issue yet."""
    problems: list[str] = []
    checks: list[CommandResult] = []
    planned: set[str] = set()
    for number, step in enumerate(steps, 1):
        where = f"step {number} ({step.title!r})"
        problems += [f"{where}: {p}" for p in edit_problems(ctx, step, planned)]
        planned |= {normalized(f) for f in step.files}
        ctx.check_cancelled()
        result = ctx.sandbox.run(step.check, ctx.settings.check_timeout)
        checks.append(result)
        problems += [f"{where}: {p}" for p in check_problems(ctx, step, result, failing_check)]
    return Validated(problems, checks)


def check_problems(ctx: JobContext, step: StepPlan, result: CommandResult, failing_check: str | None) -> list[str]:
    """What the check's run before work says: it must run, and fail, unless it names the test the step adds."""
    command = step.check
    if result.timed_out:
        return [f"its check `{command}` did not finish in {ctx.settings.check_timeout:.0f} s: check less"]
    if result.ok and failing_check:
        return [
            f"its check `{command}` already passes before the step, so it cannot show the step worked: "
            f"check what the step changes (the tests that fail now, `{failing_check}`, or a test the step adds)"
        ]
    broken = cannot_run(command, result)
    if broken and not _names_new_test(ctx, step, result):
        return [f"its check `{command}` cannot run: {broken}; give a command that runs and fails now"]
    return []


def cannot_run(command: str, result: CommandResult) -> str | None:
    """Why a check's failure says the check itself is wrong, or None when it failed as a check may."""
    if missing := unrunnable(command, result, usage_errors=False):
        return missing
    said = next((line.strip()[:200] for line in result.output.splitlines() if any(s in line for s in CANNOT_RUN)), "")
    if "pytest" in command and result.exit_code in (4, 5):
        why = "a usage error or a path not found" if result.exit_code == 4 else "no tests were collected"
        return f"pytest exit {result.exit_code}, {why}: {said}".rstrip(": ")
    return f"pytest said: {said}" if said else None


def _names_new_test(ctx: JobContext, step: StepPlan, result: CommandResult) -> bool:
    """The check names only tests in the step's own test files: tests the step adds, not found yet."""
    if result.exit_code in (126, 127):
        return False
    tests = {normalized(f) for f in step.files if is_test_path(f)}
    root = str(ctx.reader.workspace)
    missing = [_relative(m.split("::")[0], root) for m in _NOT_FOUND.findall(result.output)]
    named = missing or [normalized(t.split("::")[0]) for t in step.check.split() if is_test_path(t.split("::")[0])]
    return bool(named) and all(n in tests for n in named)


def _relative(path: str, root: str) -> str:
    for base in (f"{root}/", f"{CONTAINER_ROOT}/"):
        path = path.removeprefix(base)
    return normalized(path)
