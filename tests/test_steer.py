"""Steering: a message sent to a running job reaches the worker at its next turn and changes its course."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from state import SqlStore
from tests.conftest import git
from tests.scripting import PLANNER, finish_review, note_step, plan, step, tc, write_note, write_script

ROOT = Path(__file__).resolve().parent.parent
QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)


def test_steering_reaches_the_running_worker(repo, tmp_path, cli, home):
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
    )
    browsing = [tc("view_file", path="shopcart/cart.py", start=n, end=n + 1) for n in range(1, 25)]
    fast_rules = {
        "rules": [
            {"match": "Message from the user (steering): multiply", "replies": [FIX, tc("finish", summary="steered")]},
            {"match": "Your step", "replies": browsing + [tc("stuck", reason="lost")]},
        ],
        "delay": 0.25,
    }
    (tmp_path / "fast.json").write_text(json.dumps(fast_rules))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    job = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent",
            "run",
            "--repo",
            str(repo),
            "--issue",
            "quantities",
            "--deep-model",
            deep,
            "--fast-model",
            f"scripted:{tmp_path / 'fast.json'}",
            "--json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in job.stdout:
        event = json.loads(line)
        if event["kind"] == "tool_call":
            break

    steered = cli("steer", event["job"], "multiply each price by its quantity")
    rest = [json.loads(line) for line in job.stdout]
    job.wait(timeout=60)

    assert steered.exit_code == 0 and job.returncode == 0, job.stderr.read()
    assert any(e["kind"] == "steering" and "multiply each price" in e["message"] for e in rest)
    views = sum(1 for e in rest if e["kind"] == "tool_call" and e["tool"] == "view_file")
    assert views < 20  # the worker changed course instead of browsing to the end of its script
    with SqlStore(home / "sparkwright.db") as store:
        (row,) = store.jobs()
        assert row.status == "succeeded"
        assert git(repo, "log", "-1", "--format=%s", row.branch) == "Count quantities"


def test_steering_a_finished_job_points_to_revise(cli, repo, tmp_path, store):
    deep = write_script(tmp_path / "deep.json", [(PLANNER, [plan(note_step("Write a note"))]), finish_review()])
    fast = write_script(tmp_path / "fast.json", [("", [write_note(), tc("finish", summary="ok")])])
    cli("run", "--repo", repo, "--issue", "x", "--deep-model", deep, "--fast-model", fast, "--json")
    job = store.jobs()[0]
    result = cli("steer", job.id, "more")
    assert result.exit_code == 2 and f"sparkwright revise {job.id}" in result.stderr
