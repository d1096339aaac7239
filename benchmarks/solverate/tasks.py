"""The bundled tasks: loading them, scratch repos made from them, grading a result, verifying a task."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

TASKS = Path(__file__).resolve().parent.parent / "tasks"
TEST_TIMEOUT = 120
_REPORTED = re.compile(r"^(?:FAILED|ERROR) (\S+?)(?:::|\s|$)", re.MULTILINE)


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


def scratch_repo(task: Task, dest: Path) -> Path:
    """A fresh git repo holding the task's repo/ in one commit on `main`."""
    shutil.copytree(task.root / "repo", dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
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


def grade(task: Task, repo: Path, ref: str) -> tuple[bool, str]:
    """Solved when the task's tests pass on `ref` of `repo`, checked out apart with the hidden tests over it."""
    with tempfile.TemporaryDirectory(prefix=f"grade-{task.name}-") as tmp:
        clean = Path(tmp) / "repo"
        clean.mkdir()
        archive = Path(tmp) / "ref.tar"
        with archive.open("wb") as out:
            subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", ref], check=True, stdout=out)
        with tarfile.open(archive) as tar:
            tar.extractall(clean, filter="data")
        shutil.copytree(task.root / "hidden", clean, dirs_exist_ok=True)
        code, output = run_tests(clean, task.test_command)
    return code == 0, output


def verify(task: Task) -> str | None:
    """What is wrong with the task, or None: its fail-to-pass tests fail on repo/ and pass with fix/."""
    missing = [f for f in task.files if not (task.root / "repo" / f).is_file()]
    if missing:
        return f"files not in repo/: {', '.join(missing)}"
    hidden = sorted(str(p.relative_to(task.root / "hidden")) for p in (task.root / "hidden").rglob("test_*.py"))
    if not hidden:
        return "no hidden test files"
    with tempfile.TemporaryDirectory(prefix=f"verify-{task.name}-") as tmp:
        broken, fixed = Path(tmp) / "broken", Path(tmp) / "fixed"
        for dest, overlays in ((broken, ["hidden"]), (fixed, ["fix", "hidden"])):
            shutil.copytree(task.root / "repo", dest)
            for overlay in overlays:
                shutil.copytree(task.root / overlay, dest, dirs_exist_ok=True)
        code, output = run_tests(broken, task.test_command)
        if code == 0:
            return "the tests pass without the fix"
        failing = set(_REPORTED.findall(output))
        if quiet := [h for h in hidden if h not in failing]:
            return f"hidden tests pass without the fix: {', '.join(quiet)}"
        visible_failing = bool(failing - set(hidden))
        if visible_failing != task.visible_fails:
            return f"visible tests {'fail' if visible_failing else 'pass'} without the fix, task.toml says otherwise"
        code, output = run_tests(fixed, task.test_command)
        if code != 0:
            return "the tests fail with the fix: " + output.strip().splitlines()[-1]
    return None
