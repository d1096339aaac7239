"""The tool sets: read-only ones for the planner, editing ones for the worker."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sandbox import Sandbox
from tools.base import ReadableFiles, Tool
from tools.files import CreateArgs, EditArgs, ViewArgs, create_file, edit_file, view_file
from tools.search import ListArgs, SearchArgs, list_files, search
from tools.shell import RunArgs, run_command


def read_tools(view: ReadableFiles) -> list[Tool]:
    return [
        Tool(
            "list_files",
            "List files under a directory (recursively), optionally filtered by a name glob.",
            ListArgs,
            partial(list_files, view),
        ),
        Tool(
            "search",
            "Search file contents with a regular expression; returns path:line:text matches.",
            SearchArgs,
            partial(search, view),
        ),
        Tool("view_file", "Show a range of a file with line numbers.", ViewArgs, partial(view_file, view)),
    ]


def planner_tools(view: ReadableFiles) -> list[Tool]:
    return read_tools(view)


def worker_tools(
    sandbox: Sandbox, command_timeout: float, may_edit: Callable[[str], None] = lambda path: None
) -> list[Tool]:
    """`may_edit(path)` raises a ToolError for a file this worker must leave alone."""
    return read_tools(sandbox) + [
        Tool(
            "edit_file",
            "Replace old_text with new_text in a file. old_text must match exactly once, whitespace included.",
            EditArgs,
            partial(edit_file, sandbox, may_edit),
        ),
        Tool(
            "create_file",
            "Create a file (or overwrite it) with the given content.",
            CreateArgs,
            partial(create_file, sandbox, may_edit),
        ),
        Tool(
            "run",
            f"Run a bash command in the repository root (timeout {command_timeout:.0f}s); returns exit "
            "code and output.",
            RunArgs,
            lambda args: run_command(sandbox, args, command_timeout),
        ),
    ]
