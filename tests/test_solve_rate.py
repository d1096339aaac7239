"""The solve-rate benchmark: its tasks are honest, and its grader tells a right fix from a wrong one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "solve_rate.py"
TASKS = ROOT / "benchmarks" / "tasks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def bench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=dict(os.environ), capture_output=True, text=True, timeout=timeout
    )


def test_every_bundled_task_fails_without_its_fix_and_passes_with_it():
    count = len(list(TASKS.glob("*/task.toml")))

    result = bench("--verify")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert count >= 22
    assert f"{count} of {count} tasks ok" in result.stdout


def test_verify_reports_a_task_whose_fix_does_not_fix_it(tmp_path):
    shutil.copytree(TASKS / "discount", tmp_path / "discount")
    shutil.copytree(
        TASKS / "discount" / "repo" / "checkout", tmp_path / "discount" / "fix" / "checkout", dirs_exist_ok=True
    )

    result = bench("--verify", "--tasks-dir", str(tmp_path))

    assert result.returncode == 1
    assert "discount" in result.stdout and "BAD: the tests fail with the fix" in result.stdout


def test_scripted_models_are_graded_by_the_hidden_tests_in_every_mode(tmp_path):
    """discount is fixed right by both scripts; stock_alert gets a fix that passes the visible tests only."""
    out = tmp_path / "results.jsonl"
    before = (TASKS / "stock_alert" / "repo" / "warehouse" / "alerts.py").read_text()

    result = bench(
        "--tasks=discount,stock_alert",
        "--modes=baseline,planned",
        f"--deep-model=scripted:{FIXTURES / 'solve_rate_deep.json'}",
        f"--fast-model=scripted:{FIXTURES / 'solve_rate_fast.json'}",
        f"--out={out}",
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    records = {(r["task"], r["mode"]): r for r in lines if "task" in r}
    solved = {key: r["solved"] for key, r in records.items()}
    assert solved == {
        ("discount", "baseline"): True,
        ("stock_alert", "baseline"): False,
        ("discount", "planned"): True,
        ("stock_alert", "planned"): False,
    }
    assert records["stock_alert", "planned"]["status"] == "succeeded"  # the job thought it was done
    planned = records["discount", "planned"]
    assert planned["deep_calls"] >= 2 and planned["fast_calls"] >= 2 and planned["fast_in"] > 0
    assert records["discount", "baseline"]["deep_calls"] == 1 and records["discount", "baseline"]["deep_out"] > 0
    summaries = {s["summary"]["mode"]: s["summary"] for s in lines if "summary" in s}
    assert summaries["baseline"]["solved"] == 1 and summaries["planned"]["solved"] == 1
    assert "planned  solved   1/2" in result.stdout
    assert (TASKS / "stock_alert" / "repo" / "warehouse" / "alerts.py").read_text() == before


def test_the_baseline_reads_the_file_paths_models_write_around_code_blocks():
    sys.path.insert(0, str(ROOT))
    from benchmarks.solverate.baseline import code_blocks

    files = ["textstats/tokens.py", "textstats/stats.py"]
    reply = (
        "Two changes, e.g. a set.\n\n**textstats/tokens.py**\n```python\na = 1\n```\n\n"
        "```python textstats/stats.py\nb = 2\n```\n\nAnd not this one:\n```python ../../outside.py\nc = 3\n```\n"
    )

    assert code_blocks(reply, files) == {"textstats/tokens.py": "a = 1\n", "textstats/stats.py": "b = 2\n"}
    assert code_blocks("```python\nx = 1\n```", ["pager/pages.py"]) == {"pager/pages.py": "x = 1\n"}
