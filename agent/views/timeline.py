"""Where a job's time went, on one axis: every candidate, model call (by tier), test run and tool call as a bar,
read from the record. What no bar covers, while the job ran, is sparkwright's own time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from agent.record import (
    AttemptFinished,
    AttemptStarted,
    Check,
    EventModel,
    JobResumed,
    ModelCall,
    Recorded,
    ReproductionTried,
    TestRun,
    ToolCall,
    Triaged,
    read_events,
)
from state import SqlStore

LANES = ("candidates", "deep model", "fast model", "tests", "tools")
WORK_LANES = LANES[1:]
"""The lanes whose bars are work of others (the models, the tests, the tools); candidates span them."""
CHECK_TOOLS = ("finish", "run_check")
"""Tool calls whose time is the check they run, shown once, as a test run."""


@dataclass(frozen=True)
class Bar:
    lane: str
    start: float
    """Seconds from the job's first event."""
    end: float
    label: str
    row: int = 0
    """Within its lane: bars at the same time (candidates run at once) are drawn one under another."""


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    seconds: float
    """From the job's first event to its last."""
    running: float
    """Of those, the time a run of the job was going (a crash or a stop and the resume after it left out)."""
    own: float
    """Of `running`, the time no model, test or tool bar covers: ours."""

    def lanes(self) -> list[tuple[str, list[Bar], int]]:
        """Each lane's bars placed in rows, and how many rows it needs."""
        placed = [(lane, _in_rows([b for b in self.bars if b.lane == lane])) for lane in LANES]
        return [(lane, bars, 1 + max((b.row for b in bars), default=0)) for lane, bars in placed]


def timeline(store: SqlStore, job_id: str) -> Timeline | None:
    events = read_events(store, job_id)
    if not events:
        return None
    origin = _naive(events[0].ts)

    def at(recorded: Recorded) -> float:
        return (_naive(recorded.ts) - origin).total_seconds()

    bars = list(_bars(events, at))
    runs = _runs(events, at)
    busy = _covered([(b.start, b.end) for b in bars if b.lane in WORK_LANES], runs)
    running = sum(end - start for start, end in runs)
    return Timeline(bars, at(events[-1]), round(running, 3), round(max(running - busy, 0.0), 3))


At = Callable[[Recorded], float]


def _bars(events: list[Recorded], at: At) -> Iterator[Bar]:
    started: dict[int | None, tuple[float, AttemptStarted]] = {}
    for recorded in events:
        end, event = at(recorded), recorded.event
        if isinstance(event, AttemptStarted):
            started[recorded.attempt_id] = (end, event)
        elif isinstance(event, AttemptFinished) and recorded.attempt_id in started:
            start, began = started.pop(recorded.attempt_id)
            label = f"attempt {began.number} ({began.tier}, {began.how or 'tools'}): {event.outcome.value}"
            yield Bar("candidates", start, end, label)
        elif bar := work_bar(event, end):
            yield bar


def work_bar(event: EventModel, end: float) -> Bar | None:
    """The bar of one event that reports its own duration, ending when it was recorded."""
    match event:
        case ModelCall() as call:
            why = f" ({call.purpose})" if call.purpose else ""
            label = f"{call.tier} model{why}: {call.tokens_in} in, {call.tokens_out} out"
            end -= call.waiting_ms / 1000
            return Bar(f"{call.tier} model", end - call.latency_ms / 1000, end, label)
        case Check() | ReproductionTried() | TestRun() | Triaged() as run if run.seconds:
            return Bar("tests", end - run.seconds, end, f"{run.kind} ({run.seconds:.2f} s)")
        case ToolCall() as tool if tool.tool not in CHECK_TOOLS and tool.seconds:
            return Bar("tools", end - tool.seconds, end, f"{tool.tool} ({tool.seconds:.2f} s)")
    return None


def _in_rows(bars: list[Bar]) -> list[Bar]:
    """Each bar in the first row free when it starts."""
    ends: list[float] = []
    placed = []
    for bar in sorted(bars, key=lambda b: b.start):
        row = next((i for i, end in enumerate(ends) if end <= bar.start), len(ends))
        ends[row : row + 1] = [bar.end]
        placed.append(replace(bar, row=row))
    return placed


def _runs(events: list[Recorded], at: At) -> list[tuple[float, float]]:
    """The spans the job was running: a resume starts a new one, from the resume, not from the last event before."""
    runs: list[tuple[float, float]] = []
    start = last = 0.0
    for recorded in events:
        moment = at(recorded)
        if isinstance(recorded.event, JobResumed):
            runs.append((start, last))
            start = moment
        last = moment
    return [*runs, (start, last)]


def _covered(spans: list[tuple[float, float]], within: list[tuple[float, float]]) -> float:
    """Seconds of `within` that at least one span covers."""
    total = 0.0
    for low, high in within:
        clipped = sorted((max(s, low), min(e, high)) for s, e in spans if e > low and s < high)
        reach = low
        for s, e in clipped:
            if e > reach:
                total += e - max(s, reach)
                reach = e
    return total


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)
