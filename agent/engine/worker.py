"""The fast worker's edit → test loop: a plain loop, no graph, so nothing of ours sits between turns."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.engine.control import FINISH, RUN_CHECK, STUCK
from agent.faults import fault_point
from agent.models.llm import LLM
from sandbox import CommandResult
from tools import Toolbox
from tools.base import brief_args, truncate_middle

Outcome = Literal["passed", "stuck", "budget", "loop", "check_failed"]
REPEATS_FOR_LOOP = 3
CHECK_TAIL = 4000


@dataclass(frozen=True)
class Budget:
    max_turns: int
    max_seconds: float
    max_tokens: int


@dataclass
class AttemptResult:
    outcome: Outcome
    reason: str
    summary: str = ""
    hypothesis: str = ""
    turns: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    check: CommandResult | None = None
    actions: list[str] = field(default_factory=list)
    """What was tried, one short line per tool call, for the failure report."""


@dataclass
class WorkerLoop:
    llm: LLM
    toolbox: Toolbox
    check: Callable[[], CommandResult]
    budget: Budget
    emit: Callable[..., None]
    interrupted: Callable[[], None]
    """Raises when the job must stop; called between turns."""
    steering: Callable[[], list[str]]
    check_failures_allowed: int = 3
    result: AttemptResult = field(init=False)
    messages: list[BaseMessage] = field(init=False)
    tool_seconds: float = 0.0

    def run(self, system: str, brief: str) -> AttemptResult:
        self.result = AttemptResult("budget", "")
        self.messages = [SystemMessage(system), HumanMessage(brief)]
        self._tools = self.toolbox.schemas() + [FINISH.schema(), STUCK.schema(), RUN_CHECK.schema()]
        self._started, self._seen = time.perf_counter(), Counter()
        self._check_failures = self._silent_turns = 0
        while (ended := self._turn()) is None:
            pass
        return ended

    def _turn(self) -> AttemptResult | None:
        """One model call and the tool calls it asks for; the attempt's result once it ends."""
        self.interrupted()
        if over := self._over_budget(self._started):
            return self._end("budget", over)
        for note in self.steering():
            self.messages.append(HumanMessage(f"Message from the user (steering): {note}"))
            self.emit("steering", message=note)
        fault_point("worker.before_model")
        reply = self.llm.invoke(self.messages, self._tools)
        fault_point("worker.after_model")
        replied_at = time.perf_counter()
        self._count(reply)
        self.messages.append(reply.message)
        if not reply.message.tool_calls:
            return self._nudge()
        self._silent_turns = 0
        for index, call in enumerate(reply.message.tool_calls):
            if ended := self._act(call, replied_at if index == 0 else None):
                return ended
        return None

    def _nudge(self) -> AttemptResult | None:
        self._silent_turns += 1
        if self._silent_turns >= REPEATS_FOR_LOOP:
            return self._end("loop", "the worker replied without tool calls three times in a row")
        names = ", ".join(t["function"]["name"] for t in self._tools)
        self.messages.append(HumanMessage(f"Reply with a tool call. Tools: {names}"))
        return None

    def _act(self, call: dict[str, Any], replied_at: float | None) -> AttemptResult | None:
        args = call.get("args") or {}
        if call["name"] == "stuck":
            self.result.hypothesis = str(args.get("hypothesis", ""))
            return self._end("stuck", f"the worker reported stuck: {args.get('reason', '')}".strip())
        if call["name"] == "finish":
            fault_point("worker.before_check")
            outcome = self._check("finish")
            if outcome.ok:
                fault_point("worker.check_passed")
                self.result.summary = str(args.get("summary", ""))
                return self._end("passed", "the check passed")
            self._check_failures += 1
            if self._check_failures >= self.check_failures_allowed:
                return self._end("check_failed", f"the check still failed after the worker said done "
                                                 f"{self._check_failures} times")
            text, ok = f"The step is NOT done: its check failed.\n{_check_text(outcome)}", False
        elif call["name"] == "run_check":
            outcome = self._check("run_check")
            text, ok = _check_text(outcome), outcome.ok
        else:
            fault_point("worker.before_tool")
            observation = self.toolbox.call(call["name"], call.get("args"))
            fault_point("worker.after_tool")
            text, ok, self.tool_seconds = observation.text, observation.ok, observation.seconds
        self._record_tool(call, text, ok, replied_at)
        self.messages.append(ToolMessage(text, tool_call_id=call["id"], status="success" if ok else "error"))
        return self._loop_detected(call, text)

    def _check(self, trigger: str) -> CommandResult:
        """The step's check, run by us: the worker's word that it is done is not enough."""
        outcome = self.check()
        self.tool_seconds = outcome.duration
        self.result.check = outcome
        self.emit("check", trigger=trigger, passed=outcome.ok, exit_code=outcome.exit_code,
                  seconds=round(outcome.duration, 3), output=outcome.output[-CHECK_TAIL:])
        return outcome

    def _loop_detected(self, call: dict[str, Any], text: str) -> AttemptResult | None:
        signature = (call["name"], json.dumps(call.get("args"), sort_keys=True), text)
        self._seen[signature] += 1
        if self._seen[signature] >= REPEATS_FOR_LOOP:
            return self._end("loop", f"the same {call['name']} call gave the same result {REPEATS_FOR_LOOP} times")
        return None

    def _over_budget(self, started: float) -> str | None:
        r, b = self.result, self.budget
        if r.turns >= b.max_turns:
            return f"turn budget used up ({b.max_turns} model calls)"
        if time.perf_counter() - started >= b.max_seconds:
            return f"time budget used up ({b.max_seconds:.0f}s)"
        if r.tokens_in + r.tokens_out >= b.max_tokens:
            return f"token budget used up ({b.max_tokens} tokens)"
        return None

    def _count(self, reply: Any) -> None:
        self.result.turns += 1
        self.result.tokens_in += reply.tokens_in
        self.result.tokens_out += reply.tokens_out
        self.emit("model_call", **self.llm.event(reply))

    def _record_tool(self, call: dict[str, Any], text: str, ok: bool, replied_at: float | None) -> None:
        args = call.get("args") or {}
        brief = ", ".join(f"{k}={str(v)[:60]!r}" for k, v in args.items()) if isinstance(args, dict) else str(args)[:120]
        self.result.actions.append(f"{call['name']}({brief}) -> {'ok' if ok else text.splitlines()[0][:160]}")
        # How long our own plumbing took from the model's reply to the end of the first tool: measured, not guessed.
        extra = {"since_reply_ms": round((time.perf_counter() - replied_at) * 1000, 3)} if replied_at else {}
        self.emit("tool_call", tool=call["name"], args=brief_args(args), ok=ok, output=truncate_middle(text, 2000),
                  seconds=round(self.tool_seconds, 4), **extra)
        self.tool_seconds = 0.0

    def _end(self, outcome: Outcome, reason: str) -> AttemptResult:
        self.result.outcome, self.result.reason = outcome, reason
        return self.result


def _check_text(outcome: CommandResult) -> str:
    status = "timed out" if outcome.timed_out else f"exit code {outcome.exit_code}"
    verdict = "PASSED" if outcome.ok else "FAILED"
    return f"check {verdict} ({status}):\n{truncate_middle(outcome.output, 6000)}"
