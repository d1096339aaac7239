"""The one model loop, for both tiers: steering, a model call, the tool calls it asks for, until a control ends it.

A plain loop, no graph, so nothing of ours sits between turns. What differs between the worker's attempt, the
deep model's take-over of a step and the planner's deliberation is data: the tools, the controls that may end
the loop and what a call to each means, the budget, whether loops are detected, the fault point names."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage

from agent.faults import fault_point
from agent.models.llm import LLM, ModelReply, request_digest
from tools import Observation, Tool, Toolbox
from tools.base import RECORDED_TEXT_LIMIT, brief_args, signature, truncate_middle

REPEATS_FOR_LOOP = 3
REPEAT_NOTE_CHARS = 600
VARIED_TEMPERATURE = 0.8


@dataclass(frozen=True)
class Budget:
    max_turns: int
    max_seconds: float = math.inf
    max_tokens: float = math.inf


@dataclass(frozen=True)
class End:
    """How the loop ended: a control's verdict, or a limit's ("budget", "loop")."""

    kind: str
    reason: str = ""
    value: Any = None


@dataclass(frozen=True)
class Control:
    """A tool the loop's owner answers itself. An `End` stops the loop; an `Observation` goes back to the model."""

    tool: Tool
    answer: Callable[[dict[str, Any]], End | Observation]


@dataclass(frozen=True)
class TextFormat:
    """A model that edits in text (code blocks) rather than tool calls: its reply is read into calls, and the
    calls' results come back as one user message. The model is offered no tools."""

    read: Callable[[str], list[ToolCall]]


@dataclass
class ModelLoop:
    """One conversation with one model: make a new loop for each run; its counts are what that run used."""

    llm: LLM
    toolbox: Toolbox
    """Tools that act: their observations go back to the model."""
    controls: Sequence[Control]
    budget: Budget
    fault_points: str
    """Prefix of this loop's fault points ("worker", "plan", ...): the crash tests kill the process at them."""
    nudge: str
    """The answer to a reply without a tool call; {tools} and {controls} are filled in with their names."""
    emit: Callable[..., None]
    interrupted: Callable[[], None]
    """Raises when the job must stop; called between turns."""
    steering: Callable[[], list[str]]
    detect_loops: bool = False
    """The same call with the same result is answered, the second time, with a note that it was answered already;
    the third time, or a third reply in a row without a tool call, ends the loop as "loop"."""
    text_format: TextFormat | None = None
    temperature: float | None = None
    sent: set[str] = field(default_factory=set)
    """Digests of the greedy requests already sent for this step (shared by its loops): one is never sent again."""
    max_reply_tokens: int | None = None
    messages: list[BaseMessage] = field(default_factory=list)
    turns: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    actions: list[str] = field(default_factory=list)
    """What was tried, one short line per tool call answered."""

    def run(self, system: str, brief: str) -> End:
        self.messages = opening(system, brief)
        self._answers = {c.tool.name: c.answer for c in self.controls}
        self._schemas = self.toolbox.schemas() + [c.tool.schema() for c in self.controls]
        self._seen: Counter[tuple[str, str, str]] = Counter()
        self._started, self._silent_turns = time.perf_counter(), 0
        while (ended := self._turn()) is None:
            pass
        return ended

    def _turn(self) -> End | None:
        """One model call and the tool calls it asks for; how the loop ended, once it has."""
        self.interrupted()
        if over := self._over_budget():
            return End("budget", over)
        for note in self.steering():
            self.messages.append(HumanMessage(f"Message from the user (steering): {note}"))
            self.emit("steering", message=note)
        tools = [] if self.text_format else self._schemas
        request = self._request(tools)
        fault_point(f"{self.fault_points}.before_model")
        reply = self.llm.invoke(self.messages, tools, self.temperature, self.max_reply_tokens)
        fault_point(f"{self.fault_points}.after_model")
        replied_at = time.perf_counter()
        self._count(reply, request)
        self.messages.append(reply.message)
        calls = self._calls(reply.message)
        if not calls and self.text_format:
            # Asked again, real 1.5B and 0.5B models fixed 5 steps in 775 replies after one that held no edit.
            return End("no_edit", "the reply held no edit")
        if not calls:
            return self._nudge()
        self._silent_turns = 0
        said: list[str] = []
        for index, call in enumerate(calls):
            ended, observation = self._act(call, replied_at if index == 0 else None)
            if ended:
                return ended
            if self.text_format:
                said.append(observation)
        if said:
            self.messages.append(HumanMessage("\n\n".join(said)))
        return None

    def vary(self) -> None:
        """The last reply taught nothing: a greedy model would give it again to the same kind of request, so the
        next ones are sampled."""
        if self.temperature == 0:
            self.temperature = VARIED_TEMPERATURE

    def _request(self, tools: list[dict[str, Any]]) -> tuple[str, bool]:
        """This request's digest, and whether it repeats a greedy one already sent (then it is sampled instead)."""
        digest = request_digest(self.llm.spec, self.messages, tools, self.temperature)
        if self.temperature == 0 and digest in self.sent:
            self.vary()
            digest = request_digest(self.llm.spec, self.messages, tools, self.temperature)
        repeat = self.temperature == 0 and digest in self.sent
        self.sent.add(digest)
        return digest, repeat

    def _calls(self, message: AIMessage) -> list[ToolCall]:
        if self.text_format is None:
            return message.tool_calls
        return self.text_format.read(str(message.content))

    def _nudge(self) -> End | None:
        self._silent_turns += 1
        if self.detect_loops and self._silent_turns >= REPEATS_FOR_LOOP:
            return End("loop", "the model replied without tool calls three times in a row")
        self.vary()
        names = [t["function"]["name"] for t in self._schemas]
        self.messages.append(HumanMessage(self.nudge.format(tools=", ".join(names), controls=", ".join(self._answers))))
        return None

    def _act(self, call: ToolCall, replied_at: float | None) -> tuple[End | None, str]:
        """Answers one call; an `End` when it ends the loop, else the observation's text as the model reads it."""
        args = call.get("args") or {}
        if answer := self._answers.get(call["name"]):
            observation = answer(args)
            if isinstance(observation, End):
                return observation, ""
        elif call["name"] not in self.toolbox.tools:
            observation = self._unknown_tool(call["name"])
        else:
            fault_point(f"{self.fault_points}.before_tool")
            observation = self.toolbox.call(call["name"], call.get("args"))
            fault_point(f"{self.fault_points}.after_tool")
        self._record_tool(call, observation, replied_at)
        seen = self._times_seen(call, observation.text) if self.detect_loops else 1
        if seen >= REPEATS_FOR_LOOP:
            said = f"{call['name']}({_in_short(args)})"
            return End("loop", f"the same call {said} gave the same result {seen} times", said), ""
        text = self._already_answered(call, observation.text) if seen > 1 else observation.text
        if not self.text_format:
            status = "success" if observation.ok else "error"
            self.messages.append(ToolMessage(text, tool_call_id=call["id"], status=status))
        return None, text

    def _unknown_tool(self, name: str) -> Observation:
        """Every tool and control this loop offers, with its arguments: the Toolbox knows only its own tools."""
        listed = "\n".join(f"- {signature(s)}" for s in self._schemas)
        return Observation(f"error: unknown tool {name!r}; call one of these tools:\n{listed}", False)

    def _times_seen(self, call: ToolCall, text: str) -> int:
        signature = (call["name"], json.dumps(call.get("args"), sort_keys=True), text)
        self._seen[signature] += 1
        return self._seen[signature]

    def _already_answered(self, call: ToolCall, text: str) -> str:
        """A repeat teaches the model nothing: say so, with what the call said the first time."""
        controls = ", ".join(self._answers) or "a different call"
        return (
            f"You already made this exact {call['name']} call and it answered the same, so nothing was learned:\n"
            f"{truncate_middle(text, REPEAT_NOTE_CHARS)}\n"
            f"Do not repeat it: use that answer, try something different, or conclude with {controls}."
        )

    def _over_budget(self) -> str | None:
        b = self.budget
        if self.turns >= b.max_turns:
            return f"turn budget used up ({b.max_turns} model calls)"
        if time.perf_counter() - self._started >= b.max_seconds:
            return f"time budget used up ({b.max_seconds:.0f}s)"
        if self.tokens_in + self.tokens_out >= b.max_tokens:
            return f"token budget used up ({b.max_tokens} tokens)"
        return None

    def _count(self, reply: ModelReply, request: tuple[str, bool]) -> None:
        self.turns += 1
        self.tokens_in += reply.tokens_in
        self.tokens_out += reply.tokens_out
        self.emit("model_call", **self.llm.event(reply), request=request[0], repeat=request[1])

    def _record_tool(self, call: ToolCall, observation: Observation, replied_at: float | None) -> None:
        args, text = call.get("args") or {}, observation.text
        said = "ok" if observation.ok else text.splitlines()[0][:160]
        self.actions.append(f"{call['name']}({_in_short(args)}) -> {said}")
        # How long our own plumbing took from the model's reply to the end of the first tool: measured, not guessed.
        extra = {"since_reply_ms": round((time.perf_counter() - replied_at) * 1000, 3)} if replied_at else {}
        self.emit(
            "tool_call",
            tier=self.llm.tier,
            tool=call["name"],
            args=brief_args(args),
            ok=observation.ok,
            output=truncate_middle(text, RECORDED_TEXT_LIMIT),
            seconds=round(observation.seconds, 4),
            **extra,
        )


def opening(system: str, brief: str) -> list[BaseMessage]:
    """A conversation's first request: the system prompt and the brief."""
    return [SystemMessage(system), HumanMessage(brief)]


def _in_short(args: Any) -> str:
    if not isinstance(args, dict):
        return str(args)[:120]
    return ", ".join(f"{k}={str(v)[:60]!r}" for k, v in args.items())
