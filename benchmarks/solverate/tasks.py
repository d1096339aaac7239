"""The bundled tasks: loading them, the copies a job is given, running their tests."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

TASKS = Path(__file__).resolve().parent.parent / "tasks"
TEST_TIMEOUT = 120
VARIANTS = ("visible", "hidden")
"""visible: the hidden fail-to-pass tests are in the repo before the job; hidden: only the issue says what fails."""


@dataclass(frozen=True)
class Task:
    name: str
    root: Path
    kind: str
    files: list[str]
    test_command: str
    visible_fails: bool

    @property
    def issue(self) -> Path:
        return self.root / "issue.md"

    @property
    def hidden_tests(self) -> list[str]:
        return sorted(p.relative_to(self.root / "hidden").as_posix() for p in (self.root / "hidden").rglob("test_*.py"))


@dataclass(frozen=True)
class Staged:
    root: Path
    """A temporary directory outside this repository: the job runs from here."""
    repo: Path
    issue: Path


def load_tasks(names: list[str] | None = None, where: Path = TASKS) -> list[Task]:
    found = sorted(p.parent for p in where.glob("*/task.toml"))
    if names:
        unknown = set(names) - {p.name for p in found}
        if unknown:
            raise SystemExit(f"no such task: {', '.join(sorted(unknown))} (see {where})")
        found = [p for p in found if p.name in names]
    return [_load(p) for p in found]


def _load(root: Path) -> Task:
    data = tomllib.loads((root / "task.toml").read_text())
    return Task(
        name=root.name,
        root=root,
        kind=data.get("kind", ""),
        files=list(data["files"]),
        test_command=data.get("test_command", "python -m pytest -q"),
        visible_fails=bool(data.get("visible_fails", False)),
    )


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def stage(task: Task, variant: str, dest: Path) -> Staged:
    """What a job is given, outside this repository's tree: `dest`/repo, a fresh git repo of the task's repo/ (in
    the visible variant with the hidden fail-to-pass tests in it) and `dest`/issue.md; never fix/, and hidden/
    only as the visible variant's tests, so nothing a job can reach from there tells it the answer."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: use {', '.join(VARIANTS)}")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(task.issue, dest / "issue.md")
    return Staged(dest, scratch_repo(task, dest / "repo", with_hidden=variant == "visible"), dest / "issue.md")


def scratch_repo(task: Task, dest: Path, with_hidden: bool = False) -> Path:
    """A fresh git repo holding the task's repo/ (and its hidden tests, `with_hidden`) in one commit on `main`."""
    shutil.copytree(task.root / "repo", dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    if with_hidden:
        shutil.copytree(task.root / "hidden", dest, dirs_exist_ok=True)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "task")
    return dest


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", message, "--allow-empty")


def test_env() -> dict[str, str]:
    """The test command finds this Python (with pytest) as `python`, without the machine's pytest plugins."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    env.pop("PYTHONPATH", None)
    return env


def run_tests(where: Path, command: str) -> tuple[int, str]:
    try:
        done = subprocess.run(
            shlex.split(command), cwd=where, env=test_env(), capture_output=True, text=True, timeout=TEST_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {TEST_TIMEOUT} s"
    return done.returncode, done.stdout + done.stderr
