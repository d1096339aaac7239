"""The cheap look before any model call: run the tests once, see what fails and which files it points to.

Everything read here (the issue, the test output, the repository's files) is untrusted: a path is used only when
it names a regular file inside the worktree, and no command is ever taken from it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agent.engine.context import JobContext
from agent.engine.judge import failing_part, narrow_check, no_tests_ran, require_runnable
from agent.engine.planning.locate import locate, read_data
from agent.issue import issue_block
from agent.repo import repo_settings
from agent.test_files import is_test_path
from sandbox import SandboxCallError
from sandbox.confined import CONTAINER_ROOT, WorkspaceView

DEFAULT_TEST_COMMAND = "python -m pytest -q"
FALLBACK_TEST_COMMAND = "python3 -m pytest -q"
MAX_FILES = 4

_SUMMARY_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+?\.py(?:::\S+)?)(?: - .*)?$", re.MULTILINE)
_FRAME = re.compile(r'File "([^"\n]+\.py)", line \d+|^(\S+\.py):\d+: ', re.MULTILINE)
_PATH = re.compile(r"[\w./-]+\.py\b")
_MODULE = re.compile(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\b")


@dataclass(frozen=True)
class Triage:
    test_command: str
    """settings.test_command, else the repo's .sparkwright.toml test_command, else `python -m pytest -q`."""
    passed: bool
    """Nothing failed before any change: the full test run passed, or it found no test to run."""
    failing_tests: list[str]
    """Pytest node ids that failed (empty when the run passed or is not pytest's)."""
    check: str
    """The narrowest command that fails now: the failing tests under pytest, else the test command."""
    check_output: str
    """The test run's output cut to the failing part."""
    files: list[str]
    """Existing files the issue, its traceback and the failing tests point to; most relevant and non-test first."""
    small: bool
    """One failing test file, a traceback naming one source file of the repo, or (nothing failing) an issue
    whose names point to one source file."""
    no_tests: bool = False
    """The test command found no test to run (pytest's exit 5): its check passes on that too, until a test exists."""
    seconds: float = 0.0
    """How long the test run took."""


def triage(ctx: JobContext) -> Triage:
    """Runs the test command once in the sandbox; a test command that cannot run at all ends the job here."""
    command = test_command(ctx)
    ctx.check_cancelled()
    result = ctx.sandbox.run(command, ctx.settings.check_timeout)
    if command == DEFAULT_TEST_COMMAND and result.exit_code == 127:
        # No `python` (Debian without python-is-python3, slim images): the guess adapts; a configured command never.
        command, result = FALLBACK_TEST_COMMAND, ctx.sandbox.run(FALLBACK_TEST_COMMAND, ctx.settings.check_timeout)
    require_runnable(command, result, "the test command")
    none = no_tests_ran(command, result)
    passed = result.ok or none
    found = pointed_to(ctx.reader, issue_block(ctx.job), result.output, passed)
    check = narrow_check(command, found.failing_tests, found.test_files)
    return Triage(
        test_command=command,
        passed=passed,
        failing_tests=found.failing_tests,
        check=f"{check} || [ $? -eq 5 ]" if none else check,  # passes with no test, fails with a failing one
        check_output="" if passed else failing_part(result.output),
        files=found.files,
        small=found.small,
        no_tests=none,
        seconds=result.duration,
    )


@dataclass(frozen=True)
class Pointed:
    failing_tests: list[str]
    test_files: list[str]
    files: list[str]
    small: bool


def pointed_to(reader: WorkspaceView, issue: str, output: str, passed: bool) -> Pointed:
    """What the first test run's output and the issue point to, read through `reader` and nothing else (a pure
    function of the three, so the solve-rate benchmark's baseline finds exactly the files a job finds)."""
    failing = [] if passed else failing_ids(output, reader)
    test_files = _unique(t.split("::")[0] for t in failing)
    issue_frames = _repo_files(reader, _frames(reader, issue))
    output_frames = _repo_files(reader, _frames(reader, output))
    named = _repo_files(reader, [*_PATH.findall(issue), *(_module_path(m) for m in _MODULE.findall(issue))])
    imported = [f for t in test_files for f in _imports(reader, t)]
    # With no failing test to follow, the issue's own names say where to look.
    located = locate(reader, issue, MAX_FILES) if not failing else None
    frames = [f for p in _unique([*output_frames, *issue_frames]) for f in [p, *read_data(reader, p)]]
    found = [*frames, *named, *(located.files if located else []), *imported, *test_files]
    sources = {f for f in [*issue_frames, *output_frames] if not is_test_path(f)}
    small = len(test_files) == 1 or len(sources) == 1 or bool(located and located.clear)
    return Pointed(failing, test_files, _rank(found), small)


def test_command(ctx: JobContext) -> str:
    configured = repo_settings(Path(ctx.job.repo_path), ctx.job.base_commit).get("test_command")
    return ctx.settings.test_command or (configured if isinstance(configured, str) else None) or DEFAULT_TEST_COMMAND


def failing_ids(output: str, reader: WorkspaceView) -> list[str]:
    """Node ids from pytest's short summary whose file is a regular file of the worktree."""
    ids = _unique(_SUMMARY_LINE.findall(output))
    return [i for i in ids if reader.is_file(i.split("::")[0])]


def _frames(reader: WorkspaceView, text: str) -> list[str]:
    """Repo files named by traceback frames. A frame from the user's machine has the user's path to the repo, so
    an absolute path outside the worktree is matched by its longest tail that names a file of the repo."""
    roots = (f"{reader.workspace}/", f"{CONTAINER_ROOT}/")
    found = []
    for quoted, short in _FRAME.findall(text):
        path = quoted or short
        for base in roots:
            path = path.removeprefix(base)
        parts = [p for p in path.split("/") if p]
        tails = ["/".join(parts[i:]) for i in range(len(parts))] if path.startswith("/") else [path]
        found += next(([t] for t in tails if reader.is_file(t)), [])
    return found


def _module_path(module: str) -> str:
    return module.replace(".", "/") + ".py"


def _imports(reader: WorkspaceView, test_file: str) -> list[str]:
    """The repo's modules a test file imports; a package's `__init__` is followed to the modules it imports."""
    found = _imported_files(reader, test_file)
    inits = [f for f in found if f.endswith("__init__.py")]
    return [f for f in found if f not in inits] + [g for i in inits for g in _imported_files(reader, i)] + inits


def _imported_files(reader: WorkspaceView, path: str) -> list[str]:
    try:
        tree = ast.parse(reader.read_file(path))
    except (SandboxCallError, SyntaxError, ValueError):
        return []
    package = path.rsplit("/", 1)[0] if "/" in path else ""
    candidates: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            candidates += [n.name for n in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            candidates += [base] + [f"{base}.{n.name}" for n in node.names] if base else []
    paths = [p for c in candidates for p in (_module_path(c), c.replace(".", "/") + "/__init__.py")]
    return _repo_files(reader, [*paths, *(f"src/{p}" for p in paths)])


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split("/") if package else []
    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join([*parts, *([node.module] if node.module else [])])


def _repo_files(reader: WorkspaceView, paths: list[str]) -> list[str]:
    return [p for p in _unique(_normal(p) for p in paths) if p and reader.is_file(p)]


def _normal(path: str) -> str:
    return path[2:] if path.startswith("./") else path


def _rank(paths: list[str]) -> list[str]:
    ordered = _unique(paths)
    return ([p for p in ordered if not is_test_path(p)] + [p for p in ordered if is_test_path(p)])[:MAX_FILES]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
