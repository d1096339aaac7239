"""Live progress: a rich panel (plan checklist, current step and attempt, last action), or JSON lines."""

from __future__ import annotations

import json
import os
import sys
from types import TracebackType
from typing import IO, Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.record import (
    AttemptStarted,
    Check,
    Decision,
    Escalation,
    EventModel,
    JobFinished,
    JobInterrupted,
    Plan,
    Recorded,
    Review,
    StepDone,
    TestRun,
    ToolCall,
)
from agent.views.terminal import printable
from state import SqlStore, StepStatus

ICONS = {
    StepStatus.PENDING: "[ ]",
    StepStatus.RUNNING: "[>]",
    StepStatus.DONE: "[x]",
    StepStatus.FAILED: "[!]",
    StepStatus.SUPERSEDED: "[~]",
    StepStatus.SKIPPED: "[-]",
}
STEP_EVENTS = (Plan, AttemptStarted, StepDone, Decision, Review, JobFinished)
PHASE_EVENTS = (Escalation, Decision, TestRun, Review, JobFinished, JobInterrupted)


class JsonLines:
    """One JSON object per event on stdout, for scripts."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def __call__(self, recorded: Recorded) -> None:
        try:
            self.stream.write(json.dumps(recorded.line(), default=str) + "\n")
            self.stream.flush()
        except BrokenPipeError:
            self._to_devnull()
            raise

    def _to_devnull(self) -> None:
        """The reader is gone (`| head -1`): what is still buffered goes to /dev/null, so flushing it at exit
        does not raise again (Python docs, "Note on SIGPIPE")."""
        try:
            fd = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


class LiveProgress:
    """Re-renders on events; reads the step list only when a step-level event arrives."""

    def __init__(self, store: SqlStore, job_id: str, console: Console | None = None) -> None:
        self.store, self.job_id = store, job_id
        self.console = console or Console(stderr=True)
        self.steps: list[Any] = list(store.steps(job_id))
        self.current, self.last_action, self.phase = "", "starting", "planning"
        self.live = Live(self._render(), console=self.console, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.live.update(self._render())
        self.live.__exit__(exc_type, exc, tb)
        self.console.line()

    def __call__(self, recorded: Recorded) -> None:
        event = recorded.event
        if isinstance(event, STEP_EVENTS):
            self.steps = list(self.store.steps(self.job_id))
        if isinstance(event, AttemptStarted):
            self.phase = "working"
            self.current = f"{event.title} — attempt {event.number} ({event.tier})"
        elif isinstance(event, ToolCall):
            self.last_action = f"{event.tool}: {'ok' if event.ok else event.output.splitlines()[0][:100]}"
        elif isinstance(event, Check):
            self.last_action = f"check {'passed' if event.passed else 'failed'} ({event.seconds}s)"
        elif isinstance(event, PHASE_EVENTS):
            self.phase = event.kind.replace("_", " ")
            self.current = "" if isinstance(event, (JobFinished, JobInterrupted)) else self.current
            self.last_action = _outcome(event)
        self.live.update(self._render())

    def _render(self) -> Panel:
        table = Table.grid(padding=(0, 1))
        for step in self.steps:
            table.add_row(
                Text(ICONS.get(step.status, "[?]")),
                Text(printable(step.title)),
                Text(printable(step.check_command), style="dim"),
            )
        lines: list[RenderableType] = [
            table,
            Text(printable(f"now: {self.current or self.phase}")),
            Text(printable(f"last: {self.last_action}"), style="dim"),
        ]
        return Panel(Group(*lines), title=f"sparkwright job {self.job_id} — {self.phase}", expand=False)


def _outcome(event: EventModel) -> str:
    """What a phase event came to, in a word or a line."""
    match event:
        case Escalation(why=why) if why:
            return why
        case Decision(decision=decision) | Review(decision=decision):
            return decision.value
        case JobFinished(reason=reason) | JobInterrupted(reason=reason) if reason:
            return reason
        case TestRun(passed=True):
            return "passed"
    return "failed"
