"""Edits written as text, for models that edit better in prose than in tool calls: whole files in fenced code
blocks, and SEARCH/REPLACE blocks. Parsing only; the edits are applied by the file tools, which keep every guard."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from tools.merge import Merged, looks_like_whole_file, merge_definitions, parts_by_file

_FENCE = re.compile(r"^(`{3,}|~{3,})[ \t]*([^\n`]*)\n(.*?)^\1[ \t]*$", re.DOTALL | re.MULTILINE)
_PATH = re.compile(r"[\w.\-/]+\.\w+")
_INNER_OPENING = re.compile(r"^`{3,}[\w+-]+[ \t]*\n", re.MULTILINE)
"""A fence with a language inside a block: Markdown would not close the block there, but a model meant it to open
the code, after a heading it put in the block."""
_SEARCH_REPLACE = re.compile(r"^<{5,9}[^\n]*\n(.*?)^={5,9}[ \t]*\n(.*?)^>{5,9}[^\n]*$", re.DOTALL | re.MULTILINE)
"""`<<<<<<< SEARCH` … `=======` … `>>>>>>> REPLACE`; small models also write git's conflict markers."""


@dataclass(frozen=True)
class WholeFile:
    path: str
    content: str


@dataclass(frozen=True)
class SearchReplace:
    path: str
    search: str
    replace: str


def whole_files(text: str, paths: list[str]) -> list[WholeFile]:
    """Every fenced block whose file can be told: named in its info string, on the line before it, or in a first
    comment line; a block with no name is the step's only file, unless the line before names another file.
    A later block for the same file wins."""
    found: dict[str, str] = {}
    for match in _FENCE.finditer(text):
        info, body = match.group(2), match.group(3)
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if inner := _INNER_OPENING.search(body):  # "```\n# fix for x.py\n\n```python\n<the file>```" (seen from a 1.5B)
            before, body = body[: inner.start()].strip(), body[inner.end() :]
        path = _named(info, paths) or _named(before, paths) or _first_line_name(body, paths)
        if path is None and len(paths) == 1 and not _PATH.search(info + " " + before):
            path = paths[0]  # unnamed, and not said to be some other file
        if path is not None:
            found[path] = _first_line_dropped(body, path)
    return [WholeFile(p, c) for p, c in found.items()]


def search_replace(text: str, paths: list[str]) -> list[SearchReplace]:
    """SEARCH/REPLACE blocks (aider's format), each under a line naming its file, fenced or not."""
    blocks = []
    for match in _SEARCH_REPLACE.finditer(text):
        lines = [ln for ln in text[: match.start()].splitlines() if ln.strip() and not ln.strip().startswith("```")]
        path = next((p for ln in reversed(lines[-3:]) if (p := _named(ln, paths))), None)
        if path is None and len(paths) == 1:
            path = paths[0]
        if path is not None:
            blocks.append(SearchReplace(path, match.group(1), match.group(2)))
    return blocks


def merged_edits(text: str, files: Mapping[str, str | None]) -> dict[str, Merged]:
    """Code blocks read as parts of the step's Python files (path: text; None for a file not made yet): a block
    that parses and names definitions of some of them is merged by name into the files those definitions live
    in, later blocks onto what earlier ones made. The text around a block need not be well formed. A block that
    restates a whole file is left to `whole_files` (`tools.merge.looks_like_fragment` tells the two apart)."""
    current = {p: t for p, t in files.items() if t is not None and p.endswith(".py")}
    paths, merged = list(files), dict[str, Merged]()
    for match in _FENCE.finditer(text):
        info, body = match.group(2), match.group(3)
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        label = _named(info, paths) or _named(before, paths) or _first_line_name(body, paths)
        body = _first_line_dropped(body, label) if label else body
        for path, part in parts_by_file(body, current, label if label in current else None).items():
            if looks_like_whole_file(current[path], body) or (result := merge_definitions(current[path], part)) is None:
                continue
            earlier = merged.get(path, Merged("", [], []))
            current[path] = result.text
            merged[path] = Merged(result.text, [*earlier.replaced, *result.replaced], [*earlier.added, *result.added])
    return {p: m for p, m in merged.items() if m.text != files[p]}


def code_blocks(text: str) -> list[str]:
    """The body of every fenced block, in order."""
    return [m.group(3) for m in _FENCE.finditer(text)]


def without_code_blocks(text: str) -> str:
    """The reply's prose: every fenced block cut out."""
    return _FENCE.sub("", text)


def _named(line: str, paths: list[str]) -> str | None:
    """A path in `line`: one of the step's files if it names one (a bare file name will do), else a path with a
    directory or a new test file's name; prose naming some other file does not make one."""
    words: list[str] = _PATH.findall(line.replace("\\", "/"))
    for word in words:
        for path in paths:
            clean = word.lstrip("./")
            if clean == path or path.endswith("/" + clean) or clean.endswith("/" + path):
                return path
    for word in words:
        clean = word.lstrip("./")
        if "/" in clean or clean.rsplit("/", 1)[-1].startswith("test_"):
            return clean
    return None


def _first_line_name(body: str, paths: list[str]) -> str | None:
    first = body.split("\n", 1)[0].strip()
    return _named(first, paths) if first.startswith(("#", "//")) else None


def _first_line_dropped(body: str, path: str) -> str:
    """A comment line that only names the file is the model's label, not part of the file."""
    first, _, rest = body.partition("\n")
    label = first.strip().lstrip("#/ ").strip()
    if first.strip().startswith(("#", "//")) and label.endswith(path.rsplit("/", 1)[-1]) and " " not in label:
        return rest
    return body
