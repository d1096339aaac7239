"""Crash tests: SIGKILL a real job at many points, resume it, and get the uninterrupted result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from state import SqlStore
from tests.conftest import git, make_repo
from tests.scripting import ESCALATION, PLANNER, finish_review, plan, step, tc, write_script

ROOT = Path(__file__).resolve().parent.parent
# The sleeps make "mid command" kills (@MS) land inside the command on a fast machine too.
QTY_CHECK = "sleep 0.4; python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
TEST_COMMAND = "sleep 0.5; python3 -m pytest -q"
EMPTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_empty_cart_total_is_zero"
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)
ADD_TEST = tc(
    "edit_file",
    path="tests/test_cart.py",
    old_text="def test_rejects_zero_quantity():",
    new_text="def test_empty_cart_total_is_zero():\n    assert Cart().total_cents() == 0\n\n\n"
    "def test_rejects_zero_quantity():",
)
DONE = tc("finish", summary="done")

# Each names a point the job passes (agent/faults.py); ":N" the Nth pass, "@MS" a kill MS ms later,
# in the middle of whatever runs then (a command, the check, the full test run).
KILL_POINTS = [
    "plan.before_model",
    "plan.after_model",
    "plan.before_save",
    "plan.saved",
    "worker.before_model",
    "worker.after_model",
    "worker.before_tool",
    "worker.after_tool",
    "worker.before_tool:2@150",
    "worker.before_check",
    "worker.before_check@150",
    "step.before_report",
    "escalation.before_model",
    "escalation.after_model",
    "escalation.applied",
    "worker.before_model:5",
    "worker.after_tool:4",
    "worker.check_passed",
    "step.before_commit",
    "commit.after_add",
    "step.after_commit",
    "step.done",
    "worker.check_passed:2",
    "step.after_commit:2",
    "review.before_tests",
    "review.before_tests@200",
    "review.after_tests",
    "review.before_model",
    "finish.before",
    "finish.after",
]
FINISHED_BY = {"finish.after"}  # the job's final status is written: nothing is left to resume


def scripts(tmp: Path) -> tuple[str, str]:
    deep = write_script(
        tmp / "deep.json",
        [
            (ESCALATION, [tc("retry", guidance="Multiply each price by its quantity.")]),
            (
                PLANNER,
                [
                    tc("list_files", path="shopcart"),
                    plan(
                        step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]),
                        step("Test the empty cart", EMPTY_CHECK, files=["tests/test_cart.py"]),
                        test_command=TEST_COMMAND,
                    ),
                ],
            ),
            finish_review(),
        ],
    )
    fast = write_script(
        tmp / "fast.json",
        [
            ("Guidance from the planner", [FIX, DONE]),
            (
                "Your step: Count quantities",
                [tc("create_file", path="junk.txt", content="x\n"), tc("run", command="sleep 0.5; echo slept"), DONE],
            ),
            ("Your step: Test the empty cart", [ADD_TEST, DONE]),
        ],
    )
    return deep, fast


def sparkwright(home: Path, *args: str, fault: str | None = None, mode: str = "planned") -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SPARKWRIGHT_HOME": str(home),
        "SPARKWRIGHT_SANDBOX": "local",
        "SPARKWRIGHT_CHECK_FAILURES_PER_ATTEMPT": "1",
        "SPARKWRIGHT_MODE": mode,  # the scripted plan (module fixtures start jobs before conftest sets it)
        "PYTHONPATH": str(ROOT),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "SPARKWRIGHT_SANDBOX_ENV": '["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]',
    }
    env.pop("SPARKWRIGHT_FAULT", None)
    if fault:
        env["SPARKWRIGHT_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "agent", *args, "--json"], env=env, capture_output=True, text=True, timeout=300
    )


def start(tmp: Path, fault: str | None = None, db: str | None = None) -> tuple[Path, Path, subprocess.CompletedProcess]:
    repo, home = make_repo(tmp / "repo"), tmp / "home"
    deep, fast = scripts(tmp)
    result = sparkwright(
        home,
        "run",
        "--repo",
        str(repo),
        "--issue",
        "Cart total ignores quantities",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        *(["--db", db] if db else []),
        fault=fault,
    )
    return repo, home, result


def outcome(repo: Path, home: Path, db: str | None = None) -> dict:
    with SqlStore(db or home / "sparkwright.db") as store:
        (job,) = store.jobs()
        steps = store.steps(job.id)
        commits = git(repo, "rev-list", "--reverse", f"{job.base_commit}..{job.branch}").split()
        trailers = [
            line
            for c in commits
            for line in git(repo, "log", "-1", "--format=%B", c).splitlines()
            if line.startswith("Sparkwright-Step:")
        ]
        return {
            "status": job.status,
            "tree": git(repo, "rev-parse", f"{job.branch}^{{tree}}"),
            "commits": len(commits),
            "unique_trailers": len(set(trailers)),
            "steps": [(s.title, s.status) for s in steps if s.status != "superseded"],
            "shas_on_branch": all(s.commit_sha in commits for s in steps if s.status == "done"),
            "running_attempts": sum(a.status == "running" for a in store.attempts(job.id)),
            "effective": store.effective_status(job).value,
        }


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    repo, home, result = start(tmp_path_factory.mktemp("baseline"))
    assert result.returncode == 0, result.stderr
    return outcome(repo, home)


@pytest.mark.parametrize("point", KILL_POINTS)
def test_killed_job_resumes_to_the_uninterrupted_result(point, baseline, tmp_path):
    repo, home, killed = start(tmp_path, fault=point)
    assert killed.returncode == -signal.SIGKILL, f"the job never reached {point}: {killed.stderr[-2000:]}"
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
        status = store.effective_status(job).value
    assert status == ("succeeded" if point in FINISHED_BY else "interrupted")

    if point not in FINISHED_BY:
        resumed = sparkwright(home, "resume", job.id)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert outcome(repo, home) == baseline
    assert baseline["commits"] == baseline["unique_trailers"] == 2


def test_resume_recreates_a_deleted_worktree(tmp_path, baseline):
    repo, home, killed = start(tmp_path, fault="worker.before_model:5")
    assert killed.returncode == -signal.SIGKILL
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
    subprocess.run(["rm", "-rf", job.worktree_path], check=True)
    listed = subprocess.run(
        [sys.executable, "-m", "agent", "jobs", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "SPARKWRIGHT_HOME": str(home), "PYTHONPATH": str(ROOT)},
    ).stdout
    assert [(j["id"], j["status"]) for j in json.loads(listed)] == [(job.id, "interrupted")]

    assert sparkwright(home, "resume", job.id).returncode == 0
    assert outcome(repo, home) == baseline


def test_a_step_commit_taken_off_the_branch_before_the_job_ends_fails_it_and_says_which(tmp_path):
    repo, home, killed = start(tmp_path, fault="finish.before")
    assert killed.returncode == -signal.SIGKILL
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
        first, second = (s for s in store.steps(job.id) if s.status == "done")
    git(repo, "update-ref", f"refs/heads/{job.branch}", first.commit_sha)  # the user rewound the branch meanwhile

    resumed = sparkwright(home, "resume", job.id)
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
    assert resumed.returncode == 1 and job.status == "failed"
    assert job.outcome_reason == f"the commits of these done steps are no longer on {job.branch}: {second.title}"


def test_resume_refuses_finished_and_running_jobs(tmp_path, baseline):
    repo, home, result = start(tmp_path)
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
        refused = sparkwright(home, "resume", job.id)
        assert refused.returncode == 2 and "has succeeded: nothing to resume" in refused.stderr
        # A live owner (this test process) holds the lease of an unfinished job.
        store.update_job(job.id, status="running")
        store.acquire_lease(job.id, f"{os.uname().nodename}:{os.getpid()}")
        busy = sparkwright(home, "resume", job.id)
        assert busy.returncode == 2 and "is running in another process" in busy.stderr
        assert len(busy.stderr.strip().splitlines()) == 1


def _interrupt(tmp: Path, signals: int) -> tuple[Path, Path, subprocess.Popen, float]:
    repo, home = make_repo(tmp / "repo"), tmp / "home"
    deep, fast = scripts(tmp)
    env = {
        **os.environ,
        "SPARKWRIGHT_HOME": str(home),
        "SPARKWRIGHT_SANDBOX": "local",
        "SPARKWRIGHT_CHECK_FAILURES_PER_ATTEMPT": "1",
        "SPARKWRIGHT_MODE": "planned",  # the scripted plan (module fixtures start jobs before conftest sets it)
        "PYTHONPATH": str(ROOT),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "SPARKWRIGHT_SANDBOX_ENV": '["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]',
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent",
            "run",
            "--repo",
            str(repo),
            "--issue",
            "qty",
            "--deep-model",
            deep,
            "--fast-model",
            fast,
            "--json",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in proc.stdout:
        if '"kind": "tool_call"' in line and '"tool": "run"' in line or '"tool": "create_file"' in line:
            break
    sent = time.monotonic()
    for _ in range(signals):
        proc.send_signal(signal.SIGINT)
        time.sleep(0.05)
    proc.wait(timeout=10)
    return repo, home, proc, time.monotonic() - sent


@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_stops_quickly_and_the_job_resumes(signals, tmp_path, baseline):
    repo, home, proc, seconds = _interrupt(tmp_path, signals)

    # 130 from our handler; -SIGINT when the second Ctrl-C lands while Python shuts down: the shell shows 130 too.
    assert proc.returncode in (130, -signal.SIGINT) and seconds < 3
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
        assert store.effective_status(job).value == "interrupted"
    assert sparkwright(home, "resume", job.id).returncode == 0
    assert outcome(repo, home) == baseline


def test_a_follow_up_step_from_the_final_review_is_added_once(tmp_path):
    repo, home = make_repo(tmp_path / "repo"), tmp_path / "home"
    deep = write_script(
        tmp_path / "deep.json",
        [
            (
                "## Final review",
                [
                    tc(
                        "add_steps",
                        reason="test the empty cart",
                        steps=[
                            {
                                "title": "Test the empty cart",
                                "instructions": "add the test",
                                "check": EMPTY_CHECK,
                                "files": ["tests/test_cart.py"],
                            }
                        ],
                    )
                ],
            ),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]),
        ],
    )
    fast = write_script(
        tmp_path / "fast.json",
        [("Your step: Count quantities", [FIX, DONE]), ("Your step: Test the empty cart", [ADD_TEST, DONE])],
    )
    args = ("run", "--repo", str(repo), "--issue", "qty", "--deep-model", deep, "--fast-model", fast)
    # Killed once the follow-up is recorded, before the graph saved the review's outcome.
    assert sparkwright(home, *args, fault="review.steps_added").returncode == -signal.SIGKILL
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
    assert sparkwright(home, "resume", job.id).returncode == 0
    with SqlStore(home / "sparkwright.db") as store:
        assert [s.title for s in store.steps(job.id)] == ["Count quantities", "Test the empty cart"]
        assert store.jobs()[0].status == "succeeded"


def test_steering_sent_to_an_interrupted_job_reaches_it_on_resume(tmp_path):
    repo, home, killed = start(tmp_path, fault="worker.before_model:5")
    assert killed.returncode == -signal.SIGKILL
    with SqlStore(home / "sparkwright.db") as store:
        (job,) = store.jobs()
    steer = subprocess.run(
        [sys.executable, "-m", "agent", "steer", job.id, "keep the diff small"],
        env={**os.environ, "SPARKWRIGHT_HOME": str(home), "PYTHONPATH": str(ROOT)},
    )
    assert steer.returncode == 0

    resumed = sparkwright(home, "resume", job.id)

    assert resumed.returncode == 0
    steering = [json.loads(line) for line in resumed.stdout.splitlines() if '"kind": "steering"' in line]
    assert [e["message"] for e in steering] == ["keep the diff small"]
    with SqlStore(home / "sparkwright.db") as store:
        assert store.unread_steering(job.id) == []
