"""A task is honest: its hidden tests fail on the code as given (and the job's copy of it fails or passes as
task.toml says), its fix passes the real grader, and the code as given does not."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from agent.test_files import is_test_path
from benchmarks.solverate.grading import grade
from benchmarks.solverate.tasks import Task, commit_all, run_tests, stage

_REPORTED = re.compile(r"^(?:FAILED|ERROR) (\S+?)(?:::|\s|$)", re.MULTILINE)


def verify(task: Task) -> str | None:
    """What is wrong with the task, or None."""
    missing = [f for f in task.files if not (task.root / "repo" / f).is_file()]
    if missing:
        return f"files not in repo/: {', '.join(missing)}"
    if not task.hidden_tests:
        return "no hidden test files"
    with tempfile.TemporaryDirectory(prefix=f"verify-{task.name}-") as tmp:
        return _variants(task, Path(tmp)) or _graded(task, Path(tmp) / "graded")


def _variants(task: Task, tmp: Path) -> str | None:
    """The visible variant's tests fail on the hidden tests; the hidden variant's fail only as task.toml says."""
    visible = stage(task, "visible", tmp / "visible")
    code, output = run_tests(visible.repo, task.test_command)
    failing = set(_REPORTED.findall(output))
    if code == 0:
        return "the tests pass without the fix"
    if quiet := [h for h in task.hidden_tests if h not in failing]:
        return f"hidden tests pass without the fix: {', '.join(quiet)}"
    hidden = stage(task, "hidden", tmp / "hidden")
    code, output = run_tests(hidden.repo, task.test_command)
    if (code != 0) != task.visible_fails:
        return f"visible tests {'fail' if code else 'pass'} without the fix, task.toml says otherwise"
    return None


def _graded(task: Task, tmp: Path) -> str | None:
    """The grader refuses the code as given (and, for a `new_test` task, the fix without its test); passes the fix."""
    staged = stage(task, "hidden", tmp)
    if grade(task, staged.repo, "HEAD").solved:
        return "the grader passes the code as given"
    if task.kind == "new_test":
        _overlay(task.root / "fix", staged.repo, lambda p: not is_test_path(p))
        commit_all(staged.repo, "the fix without its test")
        if grade(task, staged.repo, "HEAD").solved:
            return "the grader passes a fix without a new test"
    _overlay(task.root / "fix", staged.repo, lambda p: True)
    commit_all(staged.repo, "the fix")
    verdict = grade(task, staged.repo, "HEAD")
    return None if verdict.solved else f"the tests fail with the fix: {verdict.why}"


def _overlay(source: Path, repo: Path, keep: Callable[[str], bool]) -> None:
    for path in source.rglob("*"):
        relative = path.relative_to(source).as_posix()
        if path.is_file() and keep(relative):
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, repo / relative)
