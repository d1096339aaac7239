"""Live progress: a rich panel (plan checklist, current step and attempt, last action), or JSON lines."""

from __future__ import annotations

import json
import os
import sys
from typing import IO, Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agent.views.terminal import printable
from state import SqlStore

ICONS = {"pending": "[ ]", "running": "[>]", "done": "[x]", "failed": "[!]", "superseded": "[~]", "skipped": "[-]"}
STEP_EVENTS = {"plan", "attempt_started", "step_done", "decision", "review", "job_finished"}


class JsonLines:
    """One JSON object per event on stdout, for scripts."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def __call__(self, event: dict[str, Any]) -> None:
        try:
            self.stream.write(json.dumps(event, default=str) + "\n")
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

    def __enter__(self) -> "LiveProgress":
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.update(self._render())
        self.live.__exit__(*exc)
        self.console.line()

    def __call__(self, event: dict[str, Any]) -> None:
        kind = event["kind"]
        if kind in STEP_EVENTS:
            self.steps = list(self.store.steps(self.job_id))
        if kind == "attempt_started":
            self.phase = "working"
            self.current = f"{event['title']} — attempt {event['number']} ({event['tier']})"
        elif kind == "tool_call":
            self.last_action = f"{event['tool']}: {'ok' if event['ok'] else event['output'].splitlines()[0][:100]}"
        elif kind == "check":
            self.last_action = f"check {'passed' if event['passed'] else 'failed'} ({event['seconds']}s)"
        elif kind in ("escalation", "decision", "test_run", "review", "job_finished", "job_interrupted"):
            self.phase = kind.replace("_", " ")
            self.current = "" if kind in ("job_finished", "job_interrupted") else self.current
            self.last_action = str(event.get("why") or event.get("decision") or event.get("reason")
                                   or ("passed" if event.get("passed") else "failed"))
        self.live.update(self._render())

    def _render(self) -> Panel:
        table = Table.grid(padding=(0, 1))
        for step in self.steps:
            table.add_row(Text(ICONS.get(step.status, "[?]")), Text(printable(step.title)),
                          Text(printable(step.check_command), style="dim"))
        lines = [table, Text(printable(f"now: {self.current or self.phase}")),
                 Text(printable(f"last: {self.last_action}"), style="dim")]
        return Panel(Group(*lines), title=f"sparkwright job {self.job_id} — {self.phase}", expand=False)
