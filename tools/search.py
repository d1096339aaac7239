"""Finding things: list files, search file contents. Run as commands so they work in any sandbox."""

from __future__ import annotations

import shlex

from pydantic import BaseModel, Field

from sandbox import Sandbox
from tools.base import ToolError

LIST_LIMIT = 400
MATCH_LIMIT = 200
SEARCH_TIMEOUT = 30


class ListArgs(BaseModel):
    path: str = Field(".", description="Directory relative to the repository root.")
    pattern: str | None = Field(None, description="Optional shell glob on file names, e.g. '*.py'.")


class SearchArgs(BaseModel):
    pattern: str = Field(description="Extended regular expression (grep -E) to search for.")
    path: str = Field(".", description="File or directory to search in, relative to the repository root.")


def list_files(sandbox: Sandbox, args: ListArgs) -> str:
    name = f" -name {shlex.quote(args.pattern)}" if args.pattern else ""
    command = (f"find {shlex.quote(args.path)} -type f{name} -not -path '*/.git/*' -not -path '*/__pycache__/*' "
               f"-not -path '*/node_modules/*' 2>&1 | sed 's|^\\./||' | sort | head -n {LIST_LIMIT + 1}")
    result = sandbox.run(command, SEARCH_TIMEOUT)
    lines = result.output.splitlines()
    if any("No such file" in line for line in lines):
        raise ToolError(f"no directory {args.path!r}: list '.' to see the tree")
    if not lines:
        return "no files match"
    more = f"\n[more than {LIST_LIMIT} files; narrow the path or pattern]" if len(lines) > LIST_LIMIT else ""
    return "\n".join(lines[:LIST_LIMIT]) + more


def search(sandbox: Sandbox, args: SearchArgs) -> str:
    command = (f"grep -rnIE --exclude-dir=.git --exclude-dir=__pycache__ --exclude-dir=node_modules "
               f"-e {shlex.quote(args.pattern)} -- {shlex.quote(args.path)} | head -n {MATCH_LIMIT + 1}")
    result = sandbox.run(command, SEARCH_TIMEOUT)
    if "No such file" in result.output:
        raise ToolError(f"no file or directory {args.path!r}")
    if "Invalid" in result.output or "Unmatched" in result.output:
        raise ToolError(f"bad pattern {args.pattern!r}: {result.output.strip()}")
    lines = [line.removeprefix("./") for line in result.output.splitlines()]
    if not lines:
        return f"no matches for {args.pattern!r}"
    more = f"\n[more than {MATCH_LIMIT} matches; narrow the pattern or path]" if len(lines) > MATCH_LIMIT else ""
    return "\n".join(lines[:MATCH_LIMIT]) + more
