"""A job that cannot work says so at once: a test command that cannot run, a setup that pip refused, a planner
that repeats itself. (The newcomer's first command itself: tests/test_example.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git
from tests.scripting import ESCALATION, PLANNER, REVIEW, finish_review, plan, step, tc, write_script
from tests.test_approval import FIX, QTY_CHECK, waiting_job

DONE = tc("finish", summary="done")
LOOKING = tc("view_file", path="shopcart/no_such_module.py")
"""The call a real 1.5B planner repeated 15 times: a file that is not there, answered with the same error."""


def models(tmp: Path, deep_rules, fast_rules=()) -> tuple[str, str]:
    return write_script(tmp / "deep.json", deep_rules), write_script(tmp / "fast.json", list(fast_rules))


def run(cli, repo: Path, tmp: Path, deep_rules, fast_rules=(), *extra: str):
    deep, fast = models(tmp, deep_rules, fast_rules)
    result = cli(
        "run", "--repo", repo, "--issue", "Cart total ignores quantities", "--deep-model", deep, "--fast-model", fast,
        "--json", *extra,
    )  # fmt: skip
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("python3 -m no_such_runner -q", "its Python has no module no_such_runner"),
        ("no-such-test-runner -q", "the command was not found or cannot execute (exit 127)"),
        ("python3 -m pytest -q --no-such-option", "pytest rejected its arguments (exit 4, a usage error)"),
        ("python3 -m pytest -q tests/test_missing.py", "pytest rejected its arguments (exit 4, a usage error)"),
    ],
)
@pytest.mark.parametrize("mode", ["planned", "auto"])
def test_a_test_command_that_cannot_run_ends_the_job_before_any_model_call(
    command, reason, mode, cli, repo, store, tmp_path, monkeypatch
):
    monkeypatch.setenv("SPARKWRIGHT_MODE", mode)
    result, events = run(
        cli, repo, tmp_path, [(PLANNER, [plan(step("Fix", QTY_CHECK, files=["shopcart/cart.py"]))])], (),
        "--test-command", command,
    )  # fmt: skip

    assert result.exit_code == 2
    line = one_error_line(result.output)
    assert f"the test command `{command}` cannot run here: {reason}" in line
    assert "--test-command" in line and "Docker sandbox" in line
    job = store.jobs()[0]
    assert job.status == "failed" and f"`{command}` cannot run here" in job.outcome_reason
    assert not [e for e in events if e["kind"] == "model_call"]
    assert store.steps(job.id) == []


def test_a_test_module_broken_by_the_bug_is_for_the_job_to_fix(cli, repo, store, tmp_path, monkeypatch):
    """An import error inside the repository's own code is what a job may fix, not an unrunnable command."""
    (repo / "tests" / "test_cart.py").write_text(
        "from shopcart.cart import Cart\nfrom shopcart.totals import grand_total\n\n\n"
        "def test_total():\n    assert grand_total(Cart()) == 0\n"
    )
    git(repo, "commit", "-qam", "a test of a module the issue asks for")
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")

    result, events = run(
        cli, repo, tmp_path, [(PLANNER, [plan(step("Fix", "python3 -m pytest -q", files=["shopcart/cart.py"]))])],
        [("Your step", [tc("finish", summary="gave up")])],
    )  # fmt: skip

    assert "cannot run here" not in result.output
    assert [e for e in events if e["kind"] == "model_call"], "the planner was asked"
    (triaged,) = [e for e in events if e["kind"] == "triage"]
    assert triaged["passed"] is False


def test_a_step_check_whose_runner_is_missing_ends_the_job_with_one_line(cli, repo, store, tmp_path):
    """A check the planner's plan check never saw (the user's own edit of the plan) is found unrunnable when its
    step starts: the same one line, before the worker is asked."""
    job = waiting_job(cli, repo, tmp_path, store)
    edit = tmp_path / "plan.json"
    edit.write_text(json.dumps({"steps": [{"title": "Count", "instructions": "multiply", "check": "no-runner -q"}]}))

    result = cli("approve", job.id, "--edit", edit, "--json")

    assert result.exit_code == 2
    line = one_error_line(result.output)
    assert "the check of step 'Count' `no-runner -q` cannot run here: the command was not found" in line
    row = store.job(job.id)
    assert row.status == "failed" and "`no-runner -q` cannot run here" in row.outcome_reason
    assert not [e for e in store.events(job.id, kinds=["model_call"]) if e.payload["tier"] == "fast"]


def test_a_setup_command_pip_refused_says_what_to_do(cli, repo, store, tmp_path):
    """pip's PEP 668 refusal (as the distribution's Python prints it) becomes one line with the way out."""
    refused = "echo 'error: externally-managed-environment' >&2; echo 'hint: See PEP 668' >&2; exit 1"
    result, events = run(
        cli, repo, tmp_path, [(PLANNER, [plan(step("Fix", QTY_CHECK, files=["shopcart/cart.py"]))])], (),
        "--setup", refused,
    )  # fmt: skip

    job = store.jobs()[0]
    assert result.exit_code == 130 and job.status == "interrupted"
    assert f"the setup command `{refused}` exited with 1" in job.outcome_reason
    assert "pip refused to install into a Python outside a virtual environment (PEP 668)" in job.outcome_reason
    assert "virtual environment" in job.outcome_reason and "--sandbox docker" in job.outcome_reason
    assert not [e for e in events if e["kind"] == "model_call"]


def test_the_local_sandbox_lets_pip_install_only_into_a_virtualenv(cli, repo, store, tmp_path):
    """Whatever a job runs on the host (setup, tests, the model's commands), pip outside a venv refuses."""
    result, _ = run(
        cli, repo, tmp_path, [(PLANNER, [plan(step("Fix", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
        [("Your step", [FIX, DONE])],
        "--setup", 'test "$PIP_REQUIRE_VIRTUALENV" = 1 || { echo "pip may install anywhere"; exit 1; }',
    )  # fmt: skip

    assert result.exit_code == 0, result.output


def test_a_planner_repeating_one_failing_call_is_stopped_and_the_plan_falls_back(cli, repo, store, tmp_path):
    result, events = run(cli, repo, tmp_path, [(PLANNER, [LOOKING]), finish_review()], [("Your step", [FIX, DONE])])

    job = store.jobs()[0]
    calls = [e for e in events if e["kind"] == "tool_call" and e["tool"] == "view_file"]
    assert len(calls) == 3, "asked at most three times"
    (ended,) = [e for e in events if e["kind"] == "deliberation_ended"]
    assert ended["ended"] == "loop" and ended["purpose"] == "plan"
    assert "view_file" in ended["repeated"] and "no_such_module.py" in ended["repeated"]
    (plan_event,) = [e for e in events if e["kind"] == "plan"]
    assert plan_event["path"] == "fallback" and "gave the same result 3 times" in plan_event["why"]
    assert job.status == "succeeded", job.outcome_reason


def test_the_second_repeat_is_answered_with_what_the_first_said(cli, repo, store, tmp_path):
    run(cli, repo, tmp_path, [(PLANNER, [LOOKING]), finish_review()], [("Your step", [FIX, DONE])])

    job = store.jobs()[0]
    outputs = [
        e.payload["output"] for e in store.events(job.id, kinds=["tool_call"]) if e.payload["tool"] == "view_file"
    ]
    assert outputs[0] == outputs[1], "the record keeps what the tool said"
    planning = [e for e in store.events(job.id, kinds=["model_call"]) if e.payload.get("purpose") == "plan"]
    assert len(planning) == 3


def test_an_escalation_that_repeats_itself_ends_as_the_escalation_limit(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_CANDIDATES", "1")
    checked = [(PLANNER, [plan(step("Fix", QTY_CHECK, files=["shopcart/cart.py"]))]), (ESCALATION, [LOOKING])]
    result, events = run(
        cli, repo, tmp_path, [*checked, (REVIEW, [tc("finish_job", summary="x", uncertainties=[])])],
        [("Your step", [tc("finish", summary="could not")])],
    )  # fmt: skip

    job = store.jobs()[0]
    assert job.status == "failed"
    assert "the planner reached no escalation decision" in job.outcome_reason
    (decision,) = [e for e in events if e["kind"] == "decision"]
    assert decision["decision"] == "limit"
    assert len([e for e in events if e["kind"] == "tool_call" and e["tool"] == "view_file"]) == 3
