"""One result per task, mode and variant; the fixed-column table; the totals per mode and variant; who won what."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

TIERS = ("deep", "fast")
GROUPS = ("all", "one-function", "multi-step")


@dataclass
class Result:
    task: str
    kind: str
    mode: str
    variant: str
    solved: bool
    seconds: float
    status: str = ""
    deep_calls: int = 0
    deep_in: int = 0
    deep_out: int = 0
    fast_calls: int = 0
    fast_in: int = 0
    fast_out: int = 0
    fast_in_after_first: int = 0
    """The fast tier's prompt tokens after the job's first call."""
    fast_cached: int = 0
    """Of those, the ones the server reused from its prompt cache."""
    repeats: int = 0
    """Model calls the job's record marks `repeat`: a greedy request identical to one already sent in the step."""
    duplicates: int = 0
    """`duplicate` events: replies that gave a state the step had already judged."""
    model_seconds: float = 0.0
    """Waiting for model replies (each call's latency, summed)."""
    test_seconds: float = 0.0
    """Running tests: triage's run, reproductions, checks and the final test run. The rest of `seconds` is ours."""
    candidates: int = 0
    """Candidates (attempts) the job started."""
    first_token_seconds: float | None = None
    """From the job's start to its first model token (None when no reply was streamed)."""
    first_cached: int = 0
    """Prompt tokens the server had cached for the first request (not cold, though the slots were emptied)."""
    files: list[str] = field(default_factory=list)
    """The baseline's: the files its prompt held."""
    samples: int = 0
    samples_solved: int = 0
    kept: str = ""
    """Where the job's home and record were left (`--keep`)."""

    @property
    def group(self) -> str:
        return "multi-step" if self.kind == "multi_step" else "one-function"


HEADER = (
    f"{'task':<22} {'mode':<21} {'variant':<7} {'solved':<6} {'secs':>7}  "
    f"{'deep calls':>10} {'in':>7} {'out':>6}  {'fast calls':>10} {'in':>7} {'out':>6} {'rep':>3} {'dup':>3}  status"
)


def row(r: Result) -> str:
    return (
        f"{r.task:<22} {r.mode:<21} {r.variant:<7} {'yes' if r.solved else 'no':<6} {r.seconds:>7.1f}  "
        f"{r.deep_calls:>10} {r.deep_in:>7} {r.deep_out:>6}  {r.fast_calls:>10} {r.fast_in:>7} {r.fast_out:>6} "
        f"{r.repeats:>3} {r.duplicates:>3}  {r.status[:60]}"
    )


def summary(results: list[Result], reference: list[Result]) -> dict[str, object]:
    """Totals of one mode in one variant; `reference` is the baseline's results in that variant (may be empty)."""
    solved = [r for r in results if r.solved]
    base_solved = {r.task for r in reference if r.solved}
    both = [r for r in solved if r.task in base_solved]
    totals: dict[str, object] = {
        "mode": results[0].mode,
        "variant": results[0].variant,
        "tasks": len(results),
        "solved": len(solved),
        "median_solved_seconds": _median([r.seconds for r in solved]),
        "p90_solved_seconds": _p90([r.seconds for r in solved]),
        "median_both_solved_seconds": _median([r.seconds for r in both]),
        "baseline_median_both_solved_seconds": _median(
            [r.seconds for r in reference if r.task in {b.task for b in both}]
        ),
        "both_solved": len(both),
        "repeats": sum(r.repeats for r in results),
        "duplicates": sum(r.duplicates for r in results),
        # What candidates at once are for: the tasks the first candidate did not settle.
        "multi_candidate_tasks": len(several := [r for r in results if r.candidates > 1]),
        "median_multi_candidate_seconds": _median([r.seconds for r in several]),
        "median_first_token_seconds": _median(
            [r.first_token_seconds for r in results if r.first_token_seconds is not None], digits=2
        ),
        "warm_first_requests": sum(r.first_cached > 0 for r in results),
        "won": sorted({r.task for r in solved} - base_solved),
        "lost": sorted(base_solved - {r.task for r in solved}),
    }
    for tier in TIERS:
        for name in ("calls", "in", "out"):
            totals[f"{tier}_{name}"] = sum(getattr(r, f"{tier}_{name}") for r in results)
    cached, prompt = sum(r.fast_cached for r in results), sum(r.fast_in_after_first for r in results)
    totals["fast_cache_reuse"] = round(cached / prompt, 3) if prompt else None
    totals["tokens_out_per_solved"] = (
        round(sum(r.deep_out + r.fast_out for r in solved) / len(solved)) if solved else None
    )
    # Where the time of the solved tasks went: the model, the tests, and our own plumbing between them.
    model, tests = sum(r.model_seconds for r in solved), sum(r.test_seconds for r in solved)
    totals["solved_seconds_split"] = {
        "model": round(model, 1),
        "tests": round(tests, 1),
        "own": round(sum(r.seconds for r in solved) - model - tests, 1),
    }
    return totals


def _median(values: list[float], digits: int = 1) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _p90(values: list[float]) -> float | None:
    """Nearest rank: the smallest value at least 90 % of the values are at or under."""
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1) if ordered else None


def summary_lines(s: dict[str, object]) -> list[str]:
    def secs(key: str) -> str:
        return "-" if s[key] is None else f"{s[key]} s"

    group = "" if s.get("group", "all") == "all" else f"  [{s['group']} tasks]"
    lines = [
        f"{s['mode']:<21} {s['variant']:<7}{group} solved {s['solved']:>3}/{s['tasks']:<3}  "
        f"median {secs('median_solved_seconds'):>8}  p90 {secs('p90_solved_seconds'):>8}  "
        f"both-solved {s['both_solved']}: median {secs('median_both_solved_seconds')} "
        f"(baseline {secs('baseline_median_both_solved_seconds')})  "
        f"deep {s['deep_calls']} calls {s['deep_in']}/{s['deep_out']} tok  "
        f"fast {s['fast_calls']} calls {s['fast_in']}/{s['fast_out']} tok (cache reuse {s['fast_cache_reuse']})  "
        f"repeats {s['repeats']} duplicates {s['duplicates']}"
    ]
    if split := s.get("solved_seconds_split"):
        lines.append(
            f"{'':<21} {'':<7} solved tasks' time: model {split['model']} s, tests {split['tests']} s, "  # type: ignore[index]
            f"own {split['own']} s; {s['tokens_out_per_solved']} tokens generated per solved task; "
            f"first model token {secs('median_first_token_seconds')} after the job's start (median); "
            f"first request found cached (at least its start) in {s['warm_first_requests']} of {s['tasks']}"  # type: ignore[index]
        )
    if s.get("multi_candidate_tasks"):
        lines.append(
            f"{'':<21} {'':<7} tasks that needed more than one candidate: {s['multi_candidate_tasks']}, "
            f"median {secs('median_multi_candidate_seconds')}"
        )
    if s["mode"] != "baseline" and (s["won"] or s["lost"]):
        won, lost = ", ".join(s["won"]) or "-", ", ".join(s["lost"]) or "-"  # type: ignore[arg-type]
        lines.append(f"{'':<21} {'':<7} against baseline: won {won}; lost {lost}")
    return lines
