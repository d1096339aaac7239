"""Where a candidate is judged, and what a check's output teaches.

Tests are the judge, so a step may not weaken them: test files that existed at the job's base change only in a step
whose plan names them (`TestGuard`); the step's check runs on them as the plan allows (`guarded_check`). A candidate
passes only when that check exits 0; an edit that leaves it worse than the best seen is undone (`Judge`). A check
whose runner cannot even start ends the job (`require_runnable`): no edit can fix that."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from agent.errors import UserError
from agent.record import TestsRestored
from agent.repo import Workspace
from agent.test_files import is_test_path, normalized
from sandbox import CommandResult, SandboxCallError
from sandbox.confined import read_text, remove, write_text
from state import Step
from tools import ToolError
from tools.base import truncate_middle

if TYPE_CHECKING:
    from agent.engine.context import JobContext

_COUNT = re.compile(r"(\d+) (failed|passed|errors?)\b")
_SECTION = re.compile(r"^=+ (FAILURES|ERRORS|short test summary info) =+$", re.MULTILINE)
NO_SUMMARY = 10**6
NO_TESTS = 5
MAX_IDS = 8
"""More failing tests than this are named by their files in a check."""
_PYTEST_PREFIX = re.compile(r"^(?:python3?(?:\.\d+)? -m pytest|pytest)\b")
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


def no_tests_ran(command: str, result: CommandResult) -> bool:
    """pytest ran and found no test (exit 5): nothing covers the issue yet, which is not a failure."""
    return result.exit_code == NO_TESTS and bool(_PYTEST.search(command))


def narrow_check(command: str, failing: list[str], test_files: list[str]) -> str:
    if not failing:
        return command
    prefix = m.group(0) if (m := _PYTEST_PREFIX.match(command.strip())) else "python -m pytest"
    targets = failing if len(failing) <= MAX_IDS else test_files
    return f"{prefix} -q {' '.join(shlex.quote(t) for t in targets)}"


def require_runnable(command: str, result: CommandResult, what: str, usage_errors: bool = True) -> None:
    """Raises `UnrunnableCheck` naming `what` ("the test command", "the check of step …") when its runner cannot
    start."""
    if why := unrunnable(command, result, usage_errors):
        raise UnrunnableCheck(f"{what} `{command}` cannot run here: {why}; {HOW_TO_RUN}")


class TestGuard:
    """The job's protected test files, and what one step may change among them."""

    def __init__(self, workspace: Workspace, base_commit: str, step_files: Iterable[str]) -> None:
        self.workspace = workspace
        self.protected = {p for p in workspace.tracked_files(base_commit) if is_test_path(p)}
        self.allowed = {normalized(p) for p in step_files}
        self.pinned: dict[str, str] = {}

    def on(self, workspace: Workspace) -> TestGuard:
        """The same guard over a lane's copy of the worktree."""
        twin = copy(self)
        twin.workspace, twin.pinned = workspace, dict(self.pinned)
        return twin

    def pin(self, path: str, content: str) -> None:
        """A test this job wrote to reproduce the issue: a judge like the tests that existed, never edited."""
        self.pinned[normalized(path)] = content

    def unpin(self, path: str) -> None:
        """The reproducing test set aside: it judges no more, and is not put back."""
        self.pinned.pop(normalized(path), None)

    def may_edit(self, path: str) -> None:
        """Raises the observation the worker gets for an edit to a protected test file."""
        path = normalized(path)
        if path in self.pinned:
            raise ToolError(
                f"{path} is the test that reproduces the issue: it is the judge of this step and is not changed. "
                "Change the code so that it passes"
            )
        if path in self.protected and path not in self.allowed:
            raise ToolError(
                f"{path} is a test that existed before this job, and this step's plan does not name it: "
                "tests are not changed to make a step pass. Change the code instead; if the test "
                "itself is wrong, call stuck and say why"
            )

    def put_back(self) -> list[str]:
        """Undo a step's changes to protected test files it may not change; the paths put back."""
        # The protected tests are files the job's base has: a look at the tracked files is enough.
        touched = [p for p in self.workspace.changed_tracked() if p in self.protected and p not in self.allowed]
        self.workspace.restore_files(touched)
        return touched + [p for p, text in self.pinned.items() if self._rewritten(p, text)]

    def _rewritten(self, path: str, text: str) -> bool:
        """Puts a pinned test back when it was changed; whether it was."""
        try:
            if read_text(self.workspace.path, path) == text:
                return False
        except SandboxCallError:
            pass  # removed, or a link put in its place: written anew below
        remove(self.workspace.path, path)
        write_text(self.workspace.path, path, text)
        return True

    def out_of_scope(self, changed: Iterable[str]) -> list[str]:
        """Changed paths the step's plan did not name (allowed, but worth a reviewer's look)."""
        return [p for p in changed if p not in self.allowed]


def guarded_check(ctx: JobContext, step: Step, guard: TestGuard) -> CommandResult:
    """The step's check, on the test files as the plan allows them to be."""
    restored = guard.put_back()
    result = ctx.sandbox.run(step.check_command, ctx.settings.check_timeout)
    if not restored:
        return result
    ctx.record.emit(TestsRestored(paths=restored), step_id=step.id)
    note = (
        f"[sparkwright put back {', '.join(restored)} before the check: tests that existed before this job "
        "change only in a step whose plan names them; if a test itself is wrong, call stuck and say why]\n"
    )
    return replace(result, output=note + result.output)


class Snapshots(Protocol):
    """The worktree's files as a snapshot to go back to (the job's `Workspace`)."""

    def snapshot(self) -> str: ...

    def restore(self, tree: str) -> None: ...


@dataclass
class Judge:
    """One attempt's verdicts: each run of the check, compared with the best seen so far and the files it ran on
    (none to go back to without a baseline)."""

    check: Callable[[], CommandResult]
    baseline: CommandResult | None = None
    """The check as it ran before the attempt."""
    files: Snapshots | None = None
    judged: dict[str, CommandResult] = field(default_factory=dict)
    """The files' states the check already judged in this step (the start among them), shared by its attempts."""
    start: str | None = None
    """The files' state the attempt starts from, when the step knows it (else a snapshot is taken)."""

    def __post_init__(self) -> None:
        self._best = (self.baseline, self.start or self.files.snapshot()) if self.files and self.baseline else None

    def state(self) -> str | None:
        """The files' state now, to look up and to judge (git snapshots are our own time: take one per check)."""
        return self.files.snapshot() if self.files else None

    def failed_on(self, state: str | None) -> bool:
        """The check already failed on these files in this step: the same verdict would come back."""
        earlier = self.judged.get(state) if state else None
        return earlier is not None and not earlier.ok

    def run(self, state: str | None) -> CommandResult:
        """The check on the files in `state` (as `state()` just gave it)."""
        outcome = self.check()
        if state is not None:
            self.judged[state] = outcome
        return outcome

    def undo_if_worse(self, outcome: CommandResult, state: str | None) -> bool:
        """Keep the best state the check has seen: True when the edit that made `state` made it worse and was
        undone."""
        if self._best is None or self.files is None or state is None:
            return False
        best, tree = self._best
        if worse(outcome, best):
            self.files.restore(tree)
            return True
        self._best = (outcome, state)
        return False
