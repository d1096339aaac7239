"""One attempt at a step: the model loop with the worker's tools, ended by finish or stuck. Either tier works it:
the fast worker, or the deep model taking a step over. Only the step's check, run by us, passes it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from langchain_core.messages import BaseMessage

from agent.engine.conversation.control import FINISH, RUN_CHECK, STUCK
from agent.engine.conversation.loop import Budget, Control, End, ModelLoop, TextFormat
from agent.engine.judge import Judge, Snapshots, failing_part
from agent.engine.step.formats.tool_calls import NUDGE
from agent.faults import fault_point
from agent.models.llm import LLM
from sandbox import CommandResult
from tools import Observation, Toolbox

Outcome = Literal["passed", "stuck", "budget", "loop", "no_edit", "check_failed"]
CHECK_TAIL = 4000


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
class StepAttempt:
    llm: LLM
    toolbox: Toolbox
    check: Callable[[], CommandResult]
    budget: Budget
    emit: Callable[..., None]
    interrupted: Callable[[], None]
    """Raises when the job must stop; called between turns."""
    steering: Callable[[], list[str]]
    check_failures_allowed: int = 3
    baseline: CommandResult | None = None
    """The check as it ran before the attempt: an edit that leaves it worse than that is undone."""
    files: Snapshots | None = None
    """Where worse edits are undone: the files as a snapshot, and back to it."""
    text_format: TextFormat | None = None
    temperature: float | None = None
    retry_hint: str = ""
    """What to do after a failed check, in the candidate's own format."""
    nudge: str = NUDGE
    """The answer to a reply without a tool call (a text format's reader has its own)."""
    judged: dict[str, CommandResult] = field(default_factory=dict)
    """States of the files the step's check already judged (see `Judge`), shared by the step's attempts."""
    start: str | None = None
    """The files' state the attempt starts from, when known."""
    sent: set[str] = field(default_factory=set)
    """Greedy requests already sent for the step (see `ModelLoop`), shared by its attempts."""
    max_reply_tokens: int | None = None
    result: AttemptResult = field(init=False)
    loop: ModelLoop = field(init=False)

    def run(self, system: str, brief: str) -> AttemptResult:
        self.result, self._check_failures = AttemptResult("budget", ""), 0
        self._judge = Judge(self.check, self.baseline, self.files, self.judged, self.start)
        controls = [Control(FINISH, self._finish), Control(STUCK, self._stuck), Control(RUN_CHECK, self._run_check)]
        self.loop = ModelLoop(
            self.llm,
            self.toolbox,
            controls,
            self.budget,
            "worker",
            self.nudge,
            self.emit,
            self.interrupted,
            self.steering,
            detect_loops=True,
            text_format=self.text_format,
            temperature=self.temperature,
            sent=self.sent,
            max_reply_tokens=self.max_reply_tokens,
        )
        ended = self.loop.run(system, brief)
        r, loop = self.result, self.loop
        # The worker's controls (finish, stuck) and the loop's limits (budget, loop) end only with an Outcome.
        r.outcome, r.reason = cast(Outcome, ended.kind), ended.reason
        r.turns, r.tokens_in, r.tokens_out, r.actions = loop.turns, loop.tokens_in, loop.tokens_out, loop.actions
        return r

    @property
    def messages(self) -> list[BaseMessage]:
        return self.loop.messages

    def _stuck(self, args: dict[str, Any]) -> End:
        self.result.hypothesis = str(args.get("hypothesis", ""))
        return End("stuck", f"the worker reported stuck: {args.get('reason', '')}".strip())

    def _finish(self, args: dict[str, Any]) -> End | Observation:
        fault_point("worker.before_check")
        state = self._judge.state()
        if state and self._judge.failed_on(state):
            return self._duplicate(state)
        outcome = self._check("finish", state)
        if outcome.ok:
            fault_point("worker.check_passed")
            self.result.summary = str(args.get("summary", ""))
            return End("passed", "the check passed")
        self._check_failures += 1
        undone = self._undo_if_worse(outcome, state)
        if self._check_failures >= self.check_failures_allowed:
            return End(
                "check_failed", f"the check still failed after the worker said done {self._check_failures} times"
            )
        text = f"The step is NOT done: its check failed.\n{undone}{_check_text(outcome)}\n{self.retry_hint}"
        return Observation(text.rstrip(), False, outcome.duration)

    def _duplicate(self, state: str) -> End | Observation:
        """Files the check already failed in this step: not checked again, and not asked for again the same way."""
        self._check_failures += 1
        self.emit("duplicate", tier=self.llm.tier, state=state)
        # Greedy, this wording has given what it can; and a text reply after one that changed nothing rarely does
        # better (real 1.5B runs: 2 wins in 116 such calls, against 14-27 % for a new candidate's first reply).
        if self.loop.temperature == 0 or self.text_format is not None:
            return End("check_failed", "the check failed and the reply after it changed nothing new")
        self.loop.vary()
        if self._check_failures >= self.check_failures_allowed:
            return End(
                "check_failed",
                f"the check still failed after the worker said done {self._check_failures} times (its last reply "
                "changed nothing new)",
            )
        return Observation(
            "Your reply changed nothing new: it leaves the files exactly as in a try already checked in this step, "
            f"which failed. Write a different fix.\n{self.retry_hint}".rstrip(),
            False,
        )

    def _undo_if_worse(self, outcome: CommandResult, state: str | None) -> str:
        if not self._judge.undo_if_worse(outcome, state):
            return ""
        self.emit("edits_undone", reason="the check got worse than before the edit")
        return (
            "Your last change made the check WORSE than before it, so it was undone: the files are back as "
            "they were. Try a different change.\n"
        )

    def _run_check(self, _: dict[str, Any]) -> Observation:
        outcome = self._check("run_check", self._judge.state())
        return Observation(_check_text(outcome), outcome.ok, outcome.duration)

    def _check(self, trigger: str, state: str | None) -> CommandResult:
        """The step's check, run by us: the worker's word that it is done is not enough."""
        outcome = self._judge.run(state)
        self.result.check = outcome
        self.emit(
            "check",
            trigger=trigger,
            passed=outcome.ok,
            exit_code=outcome.exit_code,
            seconds=round(outcome.duration, 3),
            output=outcome.output[-CHECK_TAIL:],
        )
        return outcome


def _check_text(outcome: CommandResult) -> str:
    status = "timed out" if outcome.timed_out else f"exit code {outcome.exit_code}"
    verdict = "PASSED" if outcome.ok else "FAILED"
    return f"check {verdict} ({status}):\n{outcome.output if outcome.ok else failing_part(outcome.output)}"
