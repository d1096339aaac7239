"""Finding things: list files, search file contents. Plain Python over the confined file walk: no
shell and no command line is built from the model's input, and nothing outside the workspace,
behind a link or in `.git` is reached, in every sandbox."""

from __future__ import annotations

import fnmatch
import time
from itertools import islice

import regex
from pydantic import BaseModel, Field

from sandbox import SandboxCallError
from sandbox.confined import read_bytes, walk_files
from tools.base import ReadableFiles, ToolError

LIST_LIMIT = 400
MATCH_LIMIT = 200
LINE_LIMIT = 300
SEARCH_SECONDS = 20.0


class ListArgs(BaseModel):
    path: str = Field(default=".", description="Directory relative to the repository root.")
    pattern: str | None = Field(default=None, description="Optional shell glob on file names, e.g. '*.py'.")


class SearchArgs(BaseModel):
    pattern: str = Field(description="Regular expression to search for (Python syntax), e.g. 'def total'.")
    path: str = Field(default=".", description="File or directory to search in, relative to the repository root.")


def list_files(view: ReadableFiles, args: ListArgs) -> str:
    files = walk_files(view.workspace, args.path)
    if args.pattern:
        files = (f for f in files if fnmatch.fnmatchcase(f.rsplit("/", 1)[-1], args.pattern))
    lines = list(islice(files, LIST_LIMIT + 1))
    if not lines:
        return "no files match"
    more = f"\n[more than {LIST_LIMIT} files; narrow the path or pattern]" if len(lines) > LIST_LIMIT else ""
    return "\n".join(lines[:LIST_LIMIT]) + more


def search(view: ReadableFiles, args: SearchArgs) -> str:
    try:
        pattern = regex.compile(args.pattern)
    except regex.error as exc:
        raise ToolError(f"bad pattern {args.pattern!r}: {exc}") from None
    deadline = time.monotonic() + SEARCH_SECONDS
    matches: list[str] = []
    for path in walk_files(view.workspace, args.path):
        text = _text_of(view, path)
        if text is None or not _search(pattern, text, deadline):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if _search(pattern, line, deadline):
                matches.append(f"{path}:{number}:{line[:LINE_LIMIT]}")
                if len(matches) > MATCH_LIMIT:
                    return (
                        "\n".join(matches[:MATCH_LIMIT])
                        + f"\n[more than {MATCH_LIMIT} matches; narrow the pattern or path]"
                    )
    return "\n".join(matches) if matches else f"no matches for {args.pattern!r}"


def _text_of(view: ReadableFiles, path: str) -> str | None:
    """A file's text, or None for what grep -I skips too (binary) and what the file tools refuse."""
    try:
        data = read_bytes(view.workspace, path)
    except SandboxCallError:
        return None
    if b"\0" in data[:8192]:
        return None
    return data.decode("utf-8", errors="replace")


def _search(pattern: regex.Pattern[str], text: str, deadline: float) -> bool:
    try:
        return pattern.search(text, timeout=max(0.01, deadline - time.monotonic())) is not None
    except TimeoutError:
        raise ToolError(
            f"the search took over {SEARCH_SECONDS:.0f}s: use a simpler pattern or a narrower path"
        ) from None
