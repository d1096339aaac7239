"""Where an issue points when no test fails: the repository's source files that define or mention the names in
its text, best first, and the data files they read. What Agentless and SWE-agent do first, without a model: a
user's issue names functions, constants, messages and values that the right file holds.

Everything here is untrusted input read through the confined view (no link followed, nothing outside the
worktree); the scan is capped in files and bytes so that a large repository costs a fraction of a second."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from agent.test_files import is_test_path
from sandbox import SandboxCallError
from sandbox.confined import WorkspaceView, read_bytes, walk_files

SCAN_FILES = 3000
SCAN_BYTES = 256_000
SOURCE_SUFFIXES = (".py",)
DATA_SUFFIXES = ("csv", "toml", "json", "yaml", "yml", "ini", "cfg", "txt", "tsv")
SKIPPED = frozenset({"site-packages", "node_modules", "build", "dist", "venv", ".venv", ".tox", ".git", "vendor"})
"""Folders of installed or generated code: not where a repository's bug is."""
MIN_WORD = 4
CLEAR_LEAD = 2
"""The best file is the one the issue points to when it scores at least this many times the next one."""

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_WORD = re.compile(r"\w+")
_DEFINED = re.compile(r"\b(?:def|class)\s+(\w+)")
_CALLED = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_CODE = re.compile(r"`([^`\n]{1,200})`")
_DATA_NAME = re.compile(r"""["']([\w./-]+\.(?:""" + "|".join(DATA_SUFFIXES) + r"""))["']""")
_STOP = frozenset(
    """about above after again against also always another anything because been before being below between
    both cannot could does doesn doing down during each else even every expected fails false from further gets
    gives have having here into just like looks made make makes many more most much must need never none only
    other ought same should shows since some still such than that their them then there these they this those
    through true under until upon very want wants what when where which while will with within without work
    works would wrong your instead actual actually result returns return value values should error errors issue
    problem case cases test tests python file files code line lines call calls called using used number""".split()
)


@dataclass(frozen=True)
class Located:
    files: list[str]
    """Source files the issue's names point to, best first, each followed by the data files it reads."""
    clear: bool
    """One source file stands out: the issue points to one place."""


def locate(reader: WorkspaceView, issue: str, limit: int) -> Located:
    names = _names(issue)
    if not names:
        return Located([], False)
    scored = sorted(
        ((score, path) for path, text in _sources(reader) if (score := _score(path, text, names)) > 0),
        key=lambda s: (-s[0], s[1]),
    )
    if not scored:
        return Located([], False)
    best = scored[0][0]
    kept = [path for score, path in scored if score * 2 >= best][:limit]
    clear = len(scored) == 1 or best >= CLEAR_LEAD * scored[1][0]
    with_data = [f for path in kept for f in [path, *read_data(reader, path)]]
    return Located(list(dict.fromkeys(with_data))[:limit], clear)


def read_data(reader: WorkspaceView, path: str) -> list[str]:
    """Data files of the repository that a source file names in a string (a table it loads, its settings)."""
    try:
        text = reader.read_file(path)
    except (SandboxCallError, ValueError):
        return []
    folder = path.rsplit("/", 1)[0] + "/" if "/" in path else ""
    found = []
    for name in dict.fromkeys(_DATA_NAME.findall(text)):
        found += [c for c in (f"{folder}{name}", name) if c != path and reader.is_file(c)][:1]
    return found


def _names(issue: str) -> dict[str, int]:
    """The issue's words worth looking for, each with its weight: names that look like code (in backticks,
    called, dotted, with an underscore, a digit or an inner capital) count three times a plain word."""
    code = " ".join(_CODE.findall(issue))
    called = set(_CALLED.findall(issue))
    names: dict[str, int] = {}
    for token in _TOKEN.findall(issue):
        # A dotted name's parts, and a snake_case name's words (a test's name says what it tests) as plain words.
        parts = {(p, True) for p in {token, *token.split(".")}} | {(w, False) for w in re.split(r"[._]", token)}
        for part, whole in parts:
            part = part.removeprefix("test_")
            if len(part) < MIN_WORD or part.lower() in _STOP or part.lower() == "test":
                continue
            codelike = whole and (part in code or part in called or bool(re.search(r"[_\d]|[a-z][A-Z]", part)))
            names[part] = max(names.get(part, 0), 3 if codelike else 1)
    return names


def _score(path: str, text: str, names: dict[str, int]) -> int:
    words = set(_WORD.findall(text))
    lower = {w.lower() for w in words}
    defined = set(_DEFINED.findall(text))
    stem = path.rsplit("/", 1)[-1].removesuffix(".py")
    score = 0
    for name, weight in names.items():
        if name == stem:  # `tests/test_freq.py` or `freq.most_common` names freq.py
            score += 3
        if name in defined:
            score += weight + 3
        elif name in words or (weight == 1 and name.lower() in lower):
            score += weight
    return score


def _sources(reader: WorkspaceView) -> Iterator[tuple[str, str]]:
    files = (
        p for p in walk_files(reader.workspace) if not any(d in SKIPPED or d.startswith(".") for d in p.split("/")[:-1])
    )
    for path in islice(files, SCAN_FILES):
        if not path.endswith(SOURCE_SUFFIXES) or is_test_path(path):
            continue
        try:
            data = read_bytes(reader.workspace, path, SCAN_BYTES)
        except SandboxCallError:
            continue
        yield path, data.decode("utf-8", errors="replace")
