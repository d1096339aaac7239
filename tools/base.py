"""Tool plumbing: typed arguments, one dispatcher, errors turned into observations the model can act on."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from sandbox import SandboxCallError

OBSERVATION_LIMIT = 12_000
RECORDED_TEXT_LIMIT = 2000
"""How much of one text a recorded event keeps, cut in the middle: a model's reply, a tool's output, an argument."""
UNPARSED_ARGS = "__unparsed_arguments__"
"""Key under which a model's arguments that were not valid JSON are passed on, to be reported back."""


class ToolError(Exception):
    """A tool could not do what was asked; the message tells the model what to do instead."""


class ReadableFiles(Protocol):
    """The files the read-only tools read: a `Sandbox`, or the planner's `WorkspaceView`. (Not the job's git
    `agent.repo.Workspace`.)"""

    workspace: Path

    def read_file(self, path: str) -> str: ...


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any], str]

    def schema(self) -> dict[str, Any]:
        """The OpenAI function schema, which every langchain provider accepts in `bind_tools`."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": _parameters(self.args)},
        }


@functools.cache
def _parameters(args: type[BaseModel]) -> dict[str, Any]:
    params = args.model_json_schema()
    params.pop("title", None)
    return params


@dataclass(frozen=True)
class Observation:
    text: str
    ok: bool
    seconds: float = 0.0


class Toolbox:
    def __init__(self, tools: Iterable[Tool]) -> None:
        self.tools = {tool.name: tool for tool in tools}

    def schemas(self) -> list[dict[str, Any]]:
        return [tool.schema() for tool in self.tools.values()]

    def parse(self, name: str, raw_args: Any) -> BaseModel:
        """Validated arguments, or a ToolError naming what is wrong and what is expected."""
        tool = self.tools.get(name)
        if tool is None:
            raise ToolError(f"unknown tool {name!r}; the tools are: {', '.join(self.tools)}")
        if isinstance(raw_args, dict) and UNPARSED_ARGS in raw_args:
            raw_args = str(raw_args[UNPARSED_ARGS])
        if isinstance(raw_args, str):
            try:
                raw_args = json.loads(raw_args or "{}")
            except json.JSONDecodeError:
                raise ToolError(f"arguments for {name} are not valid JSON: {raw_args[:200]!r}") from None
        try:
            return tool.args.model_validate(raw_args or {})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
            expected = ", ".join(tool.args.model_fields)
            raise ToolError(f"invalid arguments for {name}: {problems}. Expected: {expected}") from None

    def call(self, name: str, raw_args: Any) -> Observation:
        started = time.perf_counter()
        try:
            args = self.parse(name, raw_args)
            text, ok = self.tools[name].run(args), True
        except (ToolError, SandboxCallError) as exc:
            text, ok = f"error: {exc}", False
        except (OSError, ValueError, UnicodeError, RuntimeError) as exc:
            # Odd input (a NUL byte, a name too long, a symlink loop) must not end the job.
            text, ok = f"error: {name} failed on these arguments ({type(exc).__name__}: {exc}); try other ones", False
        return Observation(truncate_middle(text), ok, time.perf_counter() - started)


def signature(schema: dict[str, Any]) -> str:
    """One line a model can read: `edit_file(path, old_text, new_text): description`; optional arguments `=default`."""
    function = schema["function"]
    params = function.get("parameters") or {}
    required = set(params.get("required", []))
    args = [
        name if name in required else f"{name}={json.dumps(spec.get('default'))[:20]}"
        for name, spec in (params.get("properties") or {}).items()
    ]
    description = " ".join(str(function.get("description", "")).split())
    return f"{function['name']}({', '.join(args)}): {description}".rstrip(": ")


def truncate_middle(text: str, limit: int = OBSERVATION_LIMIT) -> str:
    """Keep the head and the tail of long text, saying how much was cut."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut_lines = text[half:-half].count("\n")
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters ({cut_lines} lines) cut ...]\n{text[-half:]}"


def brief_args(args: Any, limit: int = RECORDED_TEXT_LIMIT) -> Any:
    """Arguments as recorded in the event log: long strings (a whole file's content) cut in the middle."""
    if not isinstance(args, dict):
        return truncate_middle(str(args), limit)
    return {k: truncate_middle(v, limit) if isinstance(v, str) else v for k, v in args.items()}
