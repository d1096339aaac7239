"""Grading a result: the result's tree with the task's own tests and test configuration over it, the task's test
command, and proof that the hidden tests ran. A mode's own `pytest.ini` or `conftest.py` never changes the verdict,
and a run that collected no hidden test solves nothing."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.test_files import is_test_path
from benchmarks.solverate.tasks import Task, run_tests

CONFIG_NAMES = frozenset(
    {"pytest.ini", "conftest.py", "setup.cfg", "tox.ini", "pyproject.toml", "sitecustomize.py", "usercustomize.py"}
)
"""Files that change what pytest collects or how it runs: the task's own are restored, new ones removed."""
_PYTEST = re.compile(r"^(?:python3?(?:\.\d+)? -m pytest|pytest)\b")
_PASSED = re.compile(r"^PASSED (\S+)", re.MULTILINE)
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b")


@dataclass(frozen=True)
class Grade:
    solved: bool
    why: str
    """What decided it, in a few words ("solved", "hidden tests did not run: ...", "3 failed", ...)."""
    passed: int = 0
    failed: int = 0


def grade(task: Task, repo: Path, ref: str) -> Grade:
    """`ref` of `repo` checked out apart, the task's own tests and configuration restored over it, the task's test
    command run; solved when it passes and every hidden test passed in it (and, for a `new_test` task, a new test
    exists that fails on the original code)."""
    with tempfile.TemporaryDirectory(prefix=f"grade-{task.name}-") as tmp:
        tree = checkout(repo, ref, Path(tmp))
        new_tests = added_tests(task, tree)
        restore_own(task, tree)
        code, output = run_tests(tree, reporting(task.test_command))
        verdict = judge(task, code, output)
        if verdict.solved and task.kind == "new_test":
            problem = new_test_problem(task, new_tests, Path(tmp) / "original")
            if problem:
                return Grade(False, problem, verdict.passed, verdict.failed)
        return verdict


def checkout(repo: Path, ref: str, where: Path) -> Path:
    tree, archive = where / "repo", where / "ref.tar"
    tree.mkdir()
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", ref], check=True, stdout=out)
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def restore_own(task: Task, tree: Path) -> None:
    """The task's own test configuration and tests over `tree`; configuration files it does not have removed."""
    own = task.root / "repo"
    for path in [p for p in tree.rglob("*") if p.name in CONFIG_NAMES and p.is_file()]:
        if not (own / path.relative_to(tree)).is_file():
            path.unlink()
    for path in own.rglob("*"):
        relative = path.relative_to(own)
        if path.is_file() and (path.name in CONFIG_NAMES or is_test_path(relative.as_posix())):
            (tree / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, tree / relative)
    shutil.copytree(task.root / "hidden", tree, dirs_exist_ok=True)


def reporting(command: str) -> str:
    """Pytest's command with every test's outcome reported (`-rA`), so the hidden tests can be seen to run."""
    return f"{command} -rA" if _PYTEST.match(command.strip()) else command


def judge(task: Task, code: int, output: str) -> Grade:
    counts = summary_counts(output)
    passed, failed = counts.get("passed", 0), counts.get("failed", 0) + counts.get("error", 0)
    last = output.strip().splitlines()[-1] if output.strip() else ""
    if code == 5 or "no tests ran" in last:
        return Grade(False, "no tests ran", passed, failed)
    if code != 0:
        return Grade(False, f"tests fail (exit {code}, {failed} failed)", passed, failed)
    expected = hidden_ids(task)
    if passed + failed < len(expected):
        return Grade(False, f"hidden tests did not run: {passed + failed} ran, {len(expected)} hidden", passed, failed)
    if _PYTEST.match(task.test_command.strip()):
        ran = _PASSED.findall(output)
        missing = [i for i in expected if not any(r == i or r.startswith(i + "[") for r in ran)]
        if missing:
            return Grade(False, f"hidden tests did not run: {', '.join(missing[:3])}", passed, failed)
    return Grade(True, "solved", passed, failed)


def summary_counts(output: str) -> dict[str, int]:
    """Pytest's last summary line, as counts by outcome ("errors" counted as "error")."""
    lines = [line for line in output.splitlines() if _COUNT.search(line)]
    if not lines:
        return {}
    return {kind.rstrip("s") if kind == "errors" else kind: int(n) for n, kind in _COUNT.findall(lines[-1])}


def hidden_ids(task: Task) -> list[str]:
    """Node ids of the hidden tests: `file::test` and `file::Class::test`."""
    ids = []
    for name in task.hidden_tests:
        tree = ast.parse((task.root / "hidden" / name).read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                ids.append(f"{name}::{node.name}")
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                ids += [
                    f"{name}::{node.name}::{f.name}"
                    for f in node.body
                    if isinstance(f, ast.FunctionDef) and f.name.startswith("test")
                ]
    return ids


def added_tests(task: Task, tree: Path) -> dict[str, str]:
    """Test files of the result that are new or changed against the task's repo/ (the hidden ones aside)."""
    own, hidden = task.root / "repo", set(task.hidden_tests)
    found = {}
    for path in tree.rglob("*.py"):
        relative = path.relative_to(tree).as_posix()
        if not is_test_path(relative) or relative in hidden or path.name in CONFIG_NAMES:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        original = own / relative
        if not original.is_file() or original.read_text(encoding="utf-8", errors="replace") != text:
            found[relative] = text
    return found


def new_test_problem(task: Task, new_tests: dict[str, str], original: Path) -> str | None:
    """Why the result's new tests do not count, or None: at least one must fail on the task's original code."""
    if not new_tests:
        return "no new test (the issue asks for one)"
    shutil.copytree(task.root / "repo", original)
    for relative, text in new_tests.items():
        (original / relative).parent.mkdir(parents=True, exist_ok=True)
        (original / relative).write_text(text, encoding="utf-8")
    command = f"{task.test_command} {' '.join(sorted(new_tests))}"
    code, output = run_tests(original, command)
    if code != 1 or not summary_counts(output).get("failed"):
        return f"the new tests do not fail on the original code (exit {code})"
    return None
