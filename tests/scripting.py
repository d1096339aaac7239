"""Writing scripts for `ScriptedChatModel` (provider `scripted:FILE`), the only fake in the suite."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PLANNER = "sparkwright's planner, a senior engineer"
ESCALATION = "A step failed in the fast worker's hands"
TAKEOVER = "sparkwright's planner, taking over one step"
REVIEW = "## Final review"


def tc(name: str, **args: Any) -> dict[str, Any]:
    """One reply holding one tool call."""
    return {"tool_calls": [{"name": name, "args": args}]}


def text(content: str) -> dict[str, Any]:
    return {"content": content}


def step(title: str, check: str, instructions: str = "", files: list[str] | None = None) -> dict[str, Any]:
    return {"title": title, "instructions": instructions or title, "check": check, "files": files or []}


def note_step(title: str = "Add a note", path: str = "NOTES.md") -> dict[str, Any]:
    """A step that can pass validation and needs no real change: the worker creates `path` (see write_note)."""
    return step(title, f"test -f {path}", instructions=f"Create {path}.", files=[path])


def write_note(path: str = "NOTES.md") -> dict[str, Any]:
    return tc("create_file", path=path, content="a note\n")


def plan(
    *steps: dict[str, Any], test_command: str = "python3 -m pytest -q", summary: str = "Fix it."
) -> dict[str, Any]:
    return tc("submit_plan", summary=summary, steps=list(steps), test_command=test_command)


def write_script(path: Path, rules: list[tuple[str, list[dict[str, Any]]]], repeat_last: bool = True) -> str:
    """Rules are (match, replies): the first rule whose match is in the opening messages answers."""
    data = {"rules": [{"match": m, "replies": r, "repeat_last": repeat_last} for m, r in rules]}
    path.write_text(json.dumps(data, indent=1))
    return f"scripted:{path}"


def finish_review(summary: str = "Done.") -> tuple[str, list[dict[str, Any]]]:
    return REVIEW, [tc("finish_job", summary=summary, uncertainties=[])]
