"""One result per task and mode, the fixed-column table, and the totals per mode."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

TIERS = ("deep", "fast")


@dataclass
class Result:
    task: str
    kind: str
    mode: str
    solved: bool
    seconds: float
    status: str = ""
    deep_calls: int = 0
    deep_in: int = 0
    deep_out: int = 0
    fast_calls: int = 0
    fast_in: int = 0
    fast_out: int = 0


HEADER = (
    f"{'task':<16} {'kind':<13} {'mode':<8} {'solved':<6} {'secs':>7}  "
    f"{'deep calls':>10} {'in':>8} {'out':>7}  {'fast calls':>10} {'in':>8} {'out':>7}  status"
)


def row(r: Result) -> str:
    return (
        f"{r.task:<16} {r.kind:<13} {r.mode:<8} {'yes' if r.solved else 'no':<6} {r.seconds:>7.1f}  "
        f"{r.deep_calls:>10} {r.deep_in:>8} {r.deep_out:>7}  {r.fast_calls:>10} {r.fast_in:>8} {r.fast_out:>7}  "
        f"{r.status[:40]}"
    )


def summary(mode: str, results: list[Result]) -> dict[str, object]:
    solved = [r for r in results if r.solved]
    totals: dict[str, object] = {
        "mode": mode,
        "tasks": len(results),
        "solved": len(solved),
        "median_solved_seconds": round(statistics.median(r.seconds for r in solved), 1) if solved else None,
    }
    for tier in TIERS:
        for field in ("calls", "in", "out"):
            totals[f"{tier}_{field}"] = sum(getattr(r, f"{tier}_{field}") for r in results)
    return totals


def summary_line(s: dict[str, object]) -> str:
    median = "-" if s["median_solved_seconds"] is None else f"{s['median_solved_seconds']} s"
    return (
        f"{s['mode']:<8} solved {s['solved']:>3}/{s['tasks']:<3}  median per solved {median:>8}  "
        f"deep {s['deep_calls']} calls {s['deep_in']}/{s['deep_out']} tok  "
        f"fast {s['fast_calls']} calls {s['fast_in']}/{s['fast_out']} tok"
    )
