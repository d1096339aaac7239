"""Time between steps that is ours: from the model reply that finishes step N to the first model call of
step N+1 — the orchestrator's check, the commit, the record, the graph's checkpoints and the next brief.

Runs a real job (scripted zero-latency models, real git, real SQLite, local sandbox) whose STEPS steps
each write a note and finish at once with a trivial check (`test -f NOTES.md`), and prints where the time goes.

    python benchmarks/step_overhead.py [STEPS]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import make_repo  # noqa: E402
from tests.scripting import PLANNER, finish_review, note_step, plan, tc, write_note, write_script  # noqa: E402


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        repo = make_repo(tmp / "repo")
        deep = write_script(
            tmp / "deep.json",
            [
                (PLANNER, [plan(*[note_step(f"Step {i}") for i in range(steps)], test_command="true")]),
                finish_review(),
            ],
        )
        fast = write_script(tmp / "fast.json", [("", [write_note(), tc("finish", summary="ok")])])
        trace = tmp / "git-trace.jsonl"
        env = {
            **os.environ,
            "SPARKWRIGHT_HOME": str(tmp / "home"),
            "SPARKWRIGHT_SANDBOX": "local",
            "PYTHONPATH": str(ROOT),
            "GIT_TRACE2_EVENT": str(trace),  # each git process of ours says when it ran (commands get no such variable)
        }
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "agent",
                "run",
                "--repo",
                str(repo),
                "--issue",
                "bench",
                "--planned",
                "--deep-model",
                deep,
                "--fast-model",
                fast,
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        git_runs = _git_runs(trace)
    events = [json.loads(line) for line in out.splitlines()]
    calls = [
        (datetime.fromisoformat(e["ts"]), e["step"])
        for e in events
        if e["kind"] == "model_call" and e.get("tier") == "fast"
    ]
    # A step is two replies (write a note, finish): only the gaps from one step to the next count.
    gaps = [(b[0] - a[0]).total_seconds() * 1000 for a, b in pairwise(calls) if a[1] != b[1]]
    phases = defaultdict(list)
    marks = [(datetime.fromisoformat(e["ts"]), e["kind"]) for e in events]
    for (t0, k0), (t1, _) in pairwise(marks):
        phases[k0].append((t1 - t0).total_seconds() * 1000)
    print(
        f"{steps} steps: finishing reply of a step -> first model call of the next (trivial check `test -f NOTES.md`)"
    )
    print(
        f"  p50 {statistics.median(gaps):.1f} ms   p95 {statistics.quantiles(gaps, n=20)[18]:.1f} ms   "
        f"max {max(gaps):.1f} ms"
    )
    print("  median time from each event to the next one:")
    for kind in ("model_call", "check", "attempt_finished", "step_done", "attempt_started"):
        print(f"    after {kind:<17} {statistics.median(phases[kind]):7.1f} ms")
    checks = [e["seconds"] * 1000 for e in events if e["kind"] == "check"]
    print(
        f"  per step: {len(git_runs) / steps:.1f} git processes ({sum(git_runs) / steps:.1f} ms inside git, fork and "
        f"exec not counted), {len(checks) / steps:.1f} checks ({sum(checks) / steps:.1f} ms)"
    )


def _git_runs(trace: Path) -> list[float]:
    """Milliseconds each git process ran, start to exit, from git's trace2 events; not a `cat-file --batch`
    process, which GitPython keeps open for the whole job."""
    events = [json.loads(line) for line in trace.read_text().splitlines()] if trace.exists() else []
    batch = {e["sid"] for e in events if e.get("event") == "start" and any("--batch" in a for a in e["argv"])}
    return [e["t_abs"] * 1000 for e in events if e.get("event") == "exit" and e["sid"] not in batch]


if __name__ == "__main__":
    main()
