"""`ScriptedChatModel`: a real `BaseChatModel` that replays prepared replies. For tests, demos, benchmarks.

Replies are chosen without hidden state, so a resumed process replays the same script: the first
rule whose `match` occurs in a system or user message picks the reply list, and the number of
assistant messages since that message picks the reply (so a rule can answer a steering message)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import BaseModel, Field

from agent.models.errors import ModelConfigError

SHAPE = '{"rules": [{"match": "...", "replies": [{"content": "...", "tool_calls": [{"name": ..., "args": {...}}]}]}]}'


class Rule(BaseModel):
    match: str = Field("", description="Substring of the opening messages that selects this rule; '' matches all.")
    replies: list[AIMessage]
    repeat_last: bool = Field(True, description="Past the end of `replies`, repeat the last one.")


class ScriptedChatModel(BaseChatModel):
    rules: list[Rule]
    delay: float = 0.0
    """Seconds each reply takes, to stand in for a model's latency."""

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @classmethod
    def from_file(cls, path: str | Path) -> ScriptedChatModel:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ModelConfigError(
                f"cannot read the script {path} ({exc.strerror}): pass scripted:FILE with an existing JSON script"
            ) from None
        except ValueError as exc:
            raise ModelConfigError(f"the script {path} is not valid JSON ({exc}): fix it") from None
        try:
            rules = [
                Rule(
                    match=r.get("match", ""),
                    repeat_last=r.get("repeat_last", True),
                    replies=[reply(**m) for m in r["replies"]],
                )
                for r in data["rules"]
            ]
            return cls(rules=rules, delay=data.get("delay", 0.0))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ModelConfigError(
                f"the script {path} is not a scripted-model script ({type(exc).__name__}: "
                f"{one_line(exc)}): it needs {SHAPE}"
            ) from None

    def _pick(self, messages: list[BaseMessage]) -> tuple[Rule, int]:
        """The first rule matching a system or user message; the turn counts the replies since that message."""
        for rule in self.rules:
            start = _first_match(rule, messages)
            if start is not None:
                return rule, sum(1 for m in messages[start:] if m.type == "ai")
        raise LookupError(f"no scripted rule matches this conversation: {str(messages[-1].content)[:300]!r}")

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        rule, turn = self._pick(messages)
        if turn >= len(rule.replies) and not rule.repeat_last:
            raise LookupError(f"script for {rule.match!r} has no reply {turn + 1}")
        template = rule.replies[min(turn, len(rule.replies) - 1)]
        if self.delay:
            time.sleep(self.delay)
        message = template.model_copy(
            update={
                "tool_calls": [dict(c, id=f"call_{uuid.uuid4().hex[:12]}") for c in template.tool_calls],
                "usage_metadata": _usage(messages, template),
            }
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def _first_match(rule: Rule, messages: list[BaseMessage]) -> int | None:
    return next(
        (i for i, m in enumerate(messages) if m.type in ("system", "human") and rule.match in str(m.content)), None
    )


def reply(content: str = "", tool_calls: list[dict[str, Any]] | None = None) -> AIMessage:
    """An assistant reply; tool calls as {"name": ..., "args": {...}}."""
    calls = [{"name": c["name"], "args": c.get("args", {}), "id": "", "type": "tool_call"} for c in tool_calls or []]
    return AIMessage(content=content, tool_calls=calls)


def one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def call(name: str, **args: Any) -> AIMessage:
    return reply(tool_calls=[{"name": name, "args": args}])


def _usage(messages: list[BaseMessage], template: AIMessage) -> dict[str, int]:
    tokens_in = sum(len(str(m.content)) for m in messages) // 4
    tokens_out = (len(str(template.content)) + len(json.dumps([c["args"] for c in template.tool_calls]))) // 4
    return {"input_tokens": tokens_in, "output_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}
