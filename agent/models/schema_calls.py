"""Tool calls as constrained output: the server gets no tools, but a JSON schema its reply must match, exactly
one call of the offered tools. A local server turns the schema into a grammar, so a small model cannot invent a
tool name or an argument, nor add prose. The model sees its tools in the system message and the conversation
without tool roles (its chat template was given no tools)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.models.textcalls import new_call, offered_tools, with_text_tool_calls
from tools.base import signature

SCHEMA_NAME = "tool_call"


def response_format(tools: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`response_format` for OpenAI-compatible servers (llama.cpp, vLLM, Ollama): one object per tool."""
    choices = [
        {
            "type": "object",
            "properties": {
                "name": {"const": t["function"]["name"]},
                "arguments": self_contained(t["function"].get("parameters") or {"type": "object", "properties": {}}),
            },
            "required": ["name", "arguments"],
        }
        for t in tools
    ]
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": {"oneOf": choices}}}


def self_contained(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its `$ref`s to its own `$defs` written out: nested under `oneOf`, a `#/$defs/...` would
    point at the root of the whole schema, where a server finds nothing (our argument models do not recurse)."""
    defs = schema.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
                return inline({**defs[ref[8:]], **{k: v for k, v in node.items() if k != "$ref"}})
            return {k: inline(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return dict(inline(schema))


def tools_prompt(tools: Sequence[dict[str, Any]]) -> str:
    lines = "\n".join(f"- {signature(t)}" for t in tools)
    return (
        "You act by calling tools. Your reply is exactly one JSON object and nothing else: "
        '{"name": TOOL, "arguments": {...}}. The tools:\n' + lines
    )


def schema_history(messages: Sequence[BaseMessage], tools: Sequence[dict[str, Any]]) -> list[BaseMessage]:
    """The conversation as a server given no tools must see it: calls as the JSON the model wrote, results as
    user messages, and the tools described in the system message."""
    names: dict[str, str] = {}
    converted: list[BaseMessage] = []
    for message in messages:
        if isinstance(message, AIMessage) and message.tool_calls:
            names.update({c["id"] or "": c["name"] for c in message.tool_calls})
            lines = [json.dumps({"name": c["name"], "arguments": c["args"]}) for c in message.tool_calls]
            converted.append(AIMessage("\n".join(lines)))
        elif isinstance(message, ToolMessage):
            name = names.get(message.tool_call_id, "the tool")
            converted.append(HumanMessage(f"Result of {name}:\n{message.text}"))
        else:
            converted.append(message)
    prompt = tools_prompt(tools)
    if converted and isinstance(converted[0], SystemMessage):
        return [SystemMessage(f"{converted[0].text}\n\n{prompt}"), *converted[1:]]
    return [SystemMessage(prompt), *converted]


def with_schema_call(message: AIMessage, tools: Sequence[dict[str, Any]]) -> AIMessage:
    """The reply's one call on the message; a reply that is not one valid call is read as free text would be."""
    offered = offered_tools(tools)
    if message.tool_calls or not isinstance(message.content, str):
        return message
    try:
        data = json.loads(message.content)
    except json.JSONDecodeError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("arguments"), dict) and str(data.get("name")) in offered:
        call = new_call(data["name"], data["arguments"])
        return message.model_copy(update={"tool_calls": [call], "content": ""})
    return with_text_tool_calls(message, offered)
