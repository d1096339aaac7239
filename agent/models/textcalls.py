"""Tool calls that small local models write into `content` instead of the structured field."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from langchain_core.messages import AIMessage

from tools.base import UNPARSED_ARGS

_FENCED = re.compile(r"```(?:json|tool_call)?\s*(\{.*?\})\s*```", re.DOTALL)
_TAGGED = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.DOTALL)
_ARG_KEYS = ("arguments", "args", "parameters", "input")


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


def with_text_tool_calls(message: AIMessage) -> AIMessage:
    """The message, with tool calls parsed from its text when it has no structured ones.

    Only text that is nothing but tool-call JSON (bare, fenced or in <tool_call> tags) counts,
    so prose that merely mentions JSON is never executed."""
    if message.tool_calls or not isinstance(message.content, str):
        return message
    calls = parse_text_tool_calls(message.content)
    if not calls:
        return message
    return message.model_copy(update={"tool_calls": calls, "content": ""}) if calls else message


def parse_text_tool_calls(text: str) -> list[dict[str, Any]]:
    stripped = text.strip()
    blobs = _FENCED.findall(stripped) or _TAGGED.findall(stripped)
    leftover = _TAGGED.sub("", _FENCED.sub("", stripped)).strip()
    if not blobs:
        blobs, leftover = [stripped], ""
    if leftover:
        return []
    calls = [call for blob in blobs if (call := _as_call(blob)) is not None]
    return calls if len(calls) == len(blobs) else []


def _as_call(blob: str) -> dict[str, Any] | None:
    try:
        data = json.loads(blob)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    args: object = next((data[k] for k in _ARG_KEYS if k in data), {})
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return None
    if not isinstance(args, dict):
        return None
    return {"name": data["name"], "args": args, "id": f"call_{uuid.uuid4().hex[:12]}", "type": "tool_call"}
