"""The plumbing benchmarks still run against today's code and print their figures (the figures themselves are the
benchmarks' to report, never asserted here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("script", "size", "figure"),
    [
        ("worker_overhead.py", "10", r"shipped \(SQLite record, steering\)\s+\d+\.\d+"),
        ("step_overhead.py", "3", r"p50 \d+\.\d ms.*\d+\.\d git processes"),
        ("resume_latency.py", "2", r"\d\.\d+s from process start.*resumed job exit code: 0"),
    ],
)
def test_a_plumbing_benchmark_runs_and_prints_its_figure(script, size, figure):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), size], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(figure, done.stdout, re.DOTALL), done.stdout
