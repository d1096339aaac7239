"""A whole scripted job whose worker runs in the Docker sandbox: same branch, commands really inside."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from agent.compose.sandboxes import NOT_ISOLATED, sandbox_kind
from agent.config import Settings
from tests.conftest import git
from tests.sandbox_fixtures import image_under_test, require_docker, sparkwright_container_ids
from tests.scripting import PLANNER, finish_review, plan, step, tc, write_script

pytestmark = pytest.mark.docker

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)


def test_job_runs_its_commands_in_docker_and_produces_the_branch(cli, repo, store, tmp_path, monkeypatch):
    require_docker()
    monkeypatch.setenv("SPARKWRIGHT_DOCKER_IMAGE", image_under_test())
    monkeypatch.setenv("OPENAI_API_KEY", "sk-host-secret-for-docker-test")
    (repo / ".sparkwright.toml").write_text('setup_command = "echo setting-up && python3 -m pytest --version"\n')
    git(repo, "add", ".sparkwright.toml")
    git(repo, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "sandbox setup")
    before = sparkwright_container_ids()
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
    )
    fast = write_script(
        tmp_path / "fast.json",
        [
            (
                "Your step",
                [
                    tc(
                        "run",
                        command="echo uid=$(id -u) key=${OPENAI_API_KEY:-none}; curl -s --max-time 2 http://1.1.1.1 "
                        "|| python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 80), 2)' 2>&1 | tail -1",
                    ),
                    FIX,
                    tc("finish", summary="multiply by quantity"),
                ],
            )
        ],
    )

    result = cli(
        "run",
        "--repo",
        repo,
        "--issue",
        "quantities",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        "--sandbox",
        "docker",
        "--json",
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert job.status == "succeeded"
    assert git(repo, "log", "--format=%s", f"{job.base_commit}..{job.branch}") == "Count quantities"
    (probe,) = [e.payload["output"] for e in store.events(job.id, kinds=["tool_call"]) if e.payload["tool"] == "run"]
    assert "uid=0" not in probe and "key=none" in probe  # non-root, no host secrets
    assert "Network is unreachable" in probe or "Errno" in probe  # no network
    checks = [json.loads(line) for line in result.stdout.splitlines() if '"kind": "check"' in line]
    assert [c["passed"] for c in checks] == [False, True]  # before the attempt, then after its edit
    assert sparkwright_container_ids() == before  # the job's container is gone
    (setup,) = [e.payload for e in store.events(job.id, kinds=["sandbox_setup"])]
    assert setup["ok"] and "setting-up" in setup["log"] and "pytest" in setup["log"]


def test_auto_picks_docker_when_an_engine_answers_and_warns_otherwise(monkeypatch):
    require_docker()
    warnings = []
    assert sandbox_kind(Settings(sandbox="auto"), warnings.append) == "docker" and not warnings
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert sandbox_kind(Settings(sandbox="auto"), warnings.append) == "local"
    assert warnings == [NOT_ISOLATED]


def test_the_first_test_run_in_the_started_sandbox_comes_before_the_planners_first_call(
    cli, repo, store, tmp_path, monkeypatch
):
    """The container and its setup start with the job; the planner is asked once the first test run has shown the
    test command runs (one that cannot ends the job before any model call) and what fails."""
    require_docker()
    monkeypatch.setenv("SPARKWRIGHT_DOCKER_IMAGE", image_under_test())
    deep = write_script(
        tmp_path / "deep.json",
        [
            (
                PLANNER,
                [
                    tc("search", pattern="def subtotal_cents"),
                    plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"])),
                ],
            ),
            finish_review(),
        ],
    )
    fast = write_script(tmp_path / "fast.json", [("Your step", [FIX, tc("finish", summary="ok")])])

    result = cli(
        "run",
        "--repo",
        repo,
        "--issue",
        "quantities",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        "--sandbox",
        "docker",
        "--setup",
        "sleep 2",
        "--json",
    )

    assert result.exit_code == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    at = {e["kind"]: datetime.fromisoformat(e["ts"]) for e in reversed(events)}  # first of each kind
    assert (at["triage"] - at["job_started"]).total_seconds() >= 2, "after the setup command"
    assert at["triage"] < at["model_call"] < at["plan"]
