"""Reading and editing files: view a range, create, edit by exact string replacement."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from pydantic import BaseModel, Field

from sandbox import Sandbox
from sandbox.confined import exists, parts_of
from tools.base import ReadableFiles, ToolError

VIEW_MAX_LINES = 400


class ViewArgs(BaseModel):
    path: str = Field(description="File path relative to the repository root.")
    start: int = Field(default=1, description="First line to show, 1-based.")
    end: int | None = Field(default=None, description="Last line to show (inclusive); default: start + 200.")


class CreateArgs(BaseModel):
    path: str = Field(description="File path relative to the repository root.")
    content: str = Field(description="The whole content of the file.")


class EditArgs(BaseModel):
    path: str = Field(description="File path relative to the repository root.")
    old_text: str = Field(description="Text to replace; must occur exactly once in the file, whitespace included.")
    new_text: str = Field(description="The replacement text.")


def numbered(text: str, start: int = 1, end: int | None = None) -> str:
    lines = text.splitlines()
    end = len(lines) if end is None else min(end, len(lines))
    width = len(str(end))
    return "\n".join(f"{n:>{width}}| {lines[n - 1]}" for n in range(start, end + 1))


def view_file(view: ReadableFiles, args: ViewArgs) -> str:
    text = view.read_file(args.path)
    total = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    start = max(1, args.start)
    end = min(args.end or start + 200, start + VIEW_MAX_LINES - 1, total)
    if total == 0:
        return f"{args.path} is empty"
    if start > total:
        raise ToolError(f"{args.path} has {total} lines; start must be at most {total}")
    header = f"{args.path}, lines {start}-{end} of {total}"
    return f"{header}\n{numbered(text, start, end)}"


def create_file(sandbox: Sandbox, may_edit: Callable[[str], None], args: CreateArgs) -> str:
    may_edit(_checked(args.path))
    existed = exists(sandbox.workspace, args.path)
    sandbox.write_file(args.path, args.content)
    lines = args.content.count("\n") + (0 if args.content.endswith("\n") else 1)
    return f"{'overwrote' if existed else 'created'} {args.path} ({lines} lines)"


def edit_file(sandbox: Sandbox, may_edit: Callable[[str], None], args: EditArgs) -> str:
    may_edit(_checked(args.path))
    if args.old_text == args.new_text:
        raise ToolError("old_text equals new_text: the edit would change nothing. Put the corrected code in new_text")
    if not args.old_text:
        raise ToolError("old_text is empty: copy the exact lines to replace from the file (use view_file)")
    text = sandbox.read_file(args.path)
    count = text.count(args.old_text)
    if count == 0 and (loose := loose_replace(text, args.old_text, args.new_text)) is not None:
        new, first, last = loose
        sandbox.write_file(args.path, new)
        return (
            f"edited {args.path} (matched ignoring whitespace); now lines {first}-{last}:\n{numbered(new, first, last)}"
        )
    if count == 0:
        raise ToolError(f"old_text was not found in {args.path}. {_closest(text, args.old_text)}")
    if count > 1:
        lines = _match_lines(text, args.old_text)
        raise ToolError(
            f"old_text occurs {count} times in {args.path} (lines {lines}): include more surrounding lines "
            "so it matches exactly once"
        )
    new = text.replace(args.old_text, args.new_text, 1)
    sandbox.write_file(args.path, new)
    first = text[: text.index(args.old_text)].count("\n") + 1
    last = first + args.new_text.count("\n")
    return (
        f"edited {args.path}; now lines {max(1, first - 2)}-{last + 2}:\n{numbered(new, max(1, first - 2), last + 2)}"
    )


def loose_replace(text: str, old: str, new: str) -> tuple[str, int, int] | None:
    """`old` found once when whitespace is ignored (at line ends, then indentation too), replaced by `new`
    indented as the matched lines are: small models rarely copy whitespace exactly. The new text and the
    first and last line to show, or None when there is no single such match."""
    lines, old_lines = text.splitlines(keepends=True), old.strip("\n").splitlines()
    new_lines = new.strip("\n").splitlines()
    if not old_lines:
        return None
    for key in (str.rstrip, str.strip):
        wanted = [key(line) for line in old_lines]
        found = [
            i for i in range(len(lines) - len(wanted) + 1) if [key(x) for x in lines[i : i + len(wanted)]] == wanted
        ]
        if len(found) == 1:
            start = found[0]
            shift = _indent(lines[start]) - _indent(old_lines[0])
            body = [_reindent(line, shift) + "\n" for line in new_lines]
            result = "".join(lines[:start] + body + lines[start + len(wanted) :])
            return result, max(1, start - 1), min(result.count("\n") + 1, start + len(body) + 2)
        if len(found) > 1:
            return None
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _reindent(line: str, shift: int) -> str:
    if shift > 0 and line.strip():
        return " " * shift + line
    if shift < 0:
        cut = min(-shift, _indent(line))
        return line[cut:]
    return line


def _checked(path: str) -> str:
    """The path as the workspace resolves it, refused early if it could not be one."""
    return "/".join(parts_of(path))


def _match_lines(text: str, needle: str) -> str:
    found, start = [], 0
    while (index := text.find(needle, start)) != -1:
        found.append(str(text[:index].count("\n") + 1))
        start = index + 1
    return ", ".join(found)


def _closest(text: str, needle: str) -> str:
    """Point the model at the most similar region, so the next try can copy it exactly."""
    lines = text.splitlines()
    first = needle.strip("\n").splitlines()[0] if needle.strip() else ""
    match = difflib.get_close_matches(first, lines, n=1, cutoff=0.5)
    if not match:
        return "Use view_file to copy the exact text, whitespace included."
    n = lines.index(match[0]) + 1
    span = max(needle.count("\n"), 1)
    return (
        f"The most similar text is at line {n}; copy it exactly:\n"
        f"{numbered(text, max(1, n - 1), min(len(lines), n + span + 1))}"
    )
