"""Tests are the judge, so a step may not weaken them: test files that existed at the job's base change
only in a step whose plan names them. The file tools refuse other edits; what a shell command did to
them is put back before the step's check runs, so the check never passes on a weakened test."""

from __future__ import annotations

from collections.abc import Iterable

from agent.repo import Workspace
from agent.test_files import is_test_path, normalized
from tools import ToolError


class TestGuard:
    """The job's protected test files, and what one step may change among them."""

    def __init__(self, workspace: Workspace, base_commit: str, step_files: Iterable[str]) -> None:
        self.workspace = workspace
        self.protected = {p for p in workspace.tracked_files(base_commit) if is_test_path(p)}
        self.allowed = {normalized(p) for p in step_files}

    def may_edit(self, path: str) -> None:
        """Raises the observation the worker gets for an edit to a protected test file."""
        path = normalized(path)
        if path in self.protected and path not in self.allowed:
            raise ToolError(
                f"{path} is a test that existed before this job, and this step's plan does not name it: "
                "tests are not changed to make a step pass. Change the code instead; if the test "
                "itself is wrong, call stuck and say why"
            )

    def put_back(self) -> list[str]:
        """Undo a step's changes to protected test files it may not change; the paths put back."""
        touched = [p for p in self.workspace.changed_files() if p in self.protected and p not in self.allowed]
        self.workspace.restore_files(touched)
        return touched

    def out_of_scope(self, changed: Iterable[str]) -> list[str]:
        """Changed paths the step's plan did not name (allowed, but worth a reviewer's look)."""
        return [p for p in changed if p not in self.allowed]
