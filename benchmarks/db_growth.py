"""Database bytes per worker turn over a long job: flat, because graph state holds ids only and the
transcript is appended once to sparkwright's own tables (no O(n²) re-serialised message history).

Runs a real job of STEPS steps, TURNS worker turns each (scripted models, real SQLite), killing it
at the first and the last quarter to weigh the database, and prints bytes per turn early and late.

    python benchmarks/db_growth.py [STEPS] [TURNS]
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import make_repo  # noqa: E402
from tests.scripting import PLANNER, finish_review, note_step, plan, tc, write_note, write_script  # noqa: E402


def db_bytes(home: Path) -> int:
    db = home / "sparkwright.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, size = conn.execute("PRAGMA page_count").fetchone()[0], conn.execute("PRAGMA page_size").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    return (pages - free) * size


def run_until(tmp: Path, name: str, steps: int, turns: int, stop_step: int) -> int:
    repo, home = make_repo(tmp / f"repo-{name}"), tmp / f"home-{name}"
    deep = write_script(
        tmp / "deep.json",
        [(PLANNER, [plan(*[note_step(f"Step {i}") for i in range(steps)], test_command="true")]), finish_review()],
    )
    views = [tc("view_file", path="shopcart/cart.py", start=n, end=n + 20) for n in range(1, turns)]
    fast = write_script(tmp / "fast.json", [("", views + [write_note(), tc("finish", summary="ok")])])
    env = {
        **os.environ,
        "SPARKWRIGHT_HOME": str(home),
        "SPARKWRIGHT_SANDBOX": "local",
        "PYTHONPATH": str(ROOT),
        "SPARKWRIGHT_WORKER_MAX_TURNS": str(turns + 5),
        "SPARKWRIGHT_FAULT": f"worker.before_model:{stop_step * turns + 1}",
    }
    subprocess.run(
        [
            sys.executable,
            "-m",
            "agent",
            "run",
            "--repo",
            str(repo),
            "--issue",
            "growth",
            "--planned",
            "--deep-model",
            deep,
            "--fast-model",
            fast,
            "--json",
        ],
        env=env,
        capture_output=True,
    )
    return db_bytes(home)


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 80
    turns = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    quarter = steps // 4
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        sizes = {n: run_until(tmp, str(n), steps, turns, n) for n in (quarter, 2 * quarter, 3 * quarter, steps - 1)}
    print(f"job of {steps} steps x {turns} worker turns; database size after N steps")
    marks = sorted(sizes)
    for a, b in pairwise(marks):
        per_turn = (sizes[b] - sizes[a]) / ((b - a) * turns)
        print(f"  steps {a:>3} -> {b:>3}: {per_turn:8.0f} bytes per worker turn")
    print(f"  total after {marks[-1]} steps: {sizes[marks[-1]] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
