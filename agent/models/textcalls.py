"""Tool calls that small local models write into `content` instead of the structured field.

What counts as a call, and nothing else: a reply that is nothing but call JSON (one object, several one per line
or run together, or an array); call JSON in a fenced block or in <tool_call>/<tools> tags, prose around it
allowed; a reply that is just the name of an offered tool needing no arguments ("take_over"). JSON or a tool
name in the middle of a sentence is never read. With prose around, only calls to offered tools are read; a reply
of nothing but calls may name an unknown tool, which executes nothing and is answered with the list of tools."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import AIMessage

from tools.base import UNPARSED_ARGS

Offered = Mapping[str, Sequence[str]]
"""The tools offered to the model: name -> the names of its required arguments."""

_FENCED = re.compile(r"```[ \t]*(?:json|tool_call|tool_code|tools)?[ \t]*\n?(.*?)```", re.DOTALL | re.IGNORECASE)
_TAGGED = re.compile(r"<(tool_call|tools|function_call)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
_ARG_KEYS = ("arguments", "args", "parameters", "input")
_BARE_WORD = re.compile(r"[A-Za-z][A-Za-z_ ]{0,40}")
_DECODER = json.JSONDecoder()


def offered_tools(schemas: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """The `Offered` map of OpenAI function schemas."""
    return {s["function"]["name"]: list((s["function"].get("parameters") or {}).get("required", [])) for s in schemas}


def with_repaired_tool_calls(message: AIMessage) -> AIMessage:
    """Calls whose arguments were not valid JSON become ordinary calls carrying the raw text, so the
    model gets an error observation for each instead of a call left unanswered (which providers reject)."""
    if not message.invalid_tool_calls:
        return message
    repaired = [
        {
            "name": c.get("name") or "unnamed",
            "args": {UNPARSED_ARGS: c.get("args") or ""},
            "id": c.get("id") or f"call_{uuid.uuid4().hex[:12]}",
            "type": "tool_call",
        }
        for c in message.invalid_tool_calls
    ]
    return message.model_copy(update={"tool_calls": [*message.tool_calls, *repaired], "invalid_tool_calls": []})


def with_text_tool_calls(message: AIMessage, offered: Offered) -> AIMessage:
    """The message, with tool calls read from its text when it has no structured ones (and tools were offered)."""
    if message.tool_calls or not offered or not isinstance(message.content, str):
        return message
    calls = parse_text_tool_calls(message.content, offered)
    return message.model_copy(update={"tool_calls": calls, "content": ""}) if calls else message


def parse_text_tool_calls(text: str, offered: Offered) -> list[dict[str, Any]]:
    stripped = text.strip()
    if (values := json_values(stripped)) is not None:
        return _calls(values, offered, known_only=False)
    marked = [m.group(1) for m in _FENCED.finditer(stripped)] + [m.group(2) for m in _TAGGED.finditer(stripped)]
    if marked:
        prose = _TAGGED.sub("", _FENCED.sub("", stripped)).strip()
        values = [v for block in marked for v in json_values(block.strip()) or []]
        return _calls(values, offered, known_only=bool(prose))
    return _bare_word(stripped, offered)


def json_values(text: str) -> list[Any] | None:
    """The JSON values `text` consists of (whitespace or commas between them), or None if anything else is there."""
    values, at = [], 0
    while at < len(text):
        if text[at] in " \t\r\n,":
            at += 1
            continue
        if text[at] not in "{[":
            return None
        try:
            value, at = _DECODER.raw_decode(text, at)
        except json.JSONDecodeError:
            return None
        values.append(value)
    return values or None


def _calls(values: list[Any], offered: Offered, known_only: bool) -> list[dict[str, Any]]:
    """Every value must be a call (an array holds calls); with `known_only`, calls to tools not offered are dropped."""
    flat = [item for v in values for item in (v if isinstance(v, list) else [v])]
    calls = [_as_call(item) for item in flat]
    if not calls or any(c is None for c in calls):
        return []
    return [c for c in calls if c is not None and (c["name"] in offered or not known_only)]


def _as_call(data: Any) -> dict[str, Any] | None:
    if isinstance(data, dict) and isinstance(data.get("function"), dict) and "name" not in data:
        data = data["function"]  # the OpenAI wire shape, {"type": "function", "function": {...}}
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    args: object = next((data[k] for k in _ARG_KEYS if k in data), {})
    if isinstance(args, str):
        try:
            args = json.loads(args or "{}")
        except json.JSONDecodeError:
            return None
    if not isinstance(args, dict):
        return None
    return new_call(data["name"], args)


def _bare_word(text: str, offered: Offered) -> list[dict[str, Any]]:
    """`take_over`, "run check.", Finish: the whole reply names an offered tool that needs no arguments."""
    word = text.strip("`'\"*.!:; \t\n")
    if not _BARE_WORD.fullmatch(word):
        return []
    name = "_".join(word.lower().split())
    if name in offered and not offered[name]:
        return [new_call(name, {})]
    return []


def new_call(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
