"""Plans that can work: triage's first test run, quick mode without the planner, plans checked before work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git, make_repo
from tests.scripting import ESCALATION, PLANNER, finish_review, note_step, plan, tc, write_note, write_script

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
CART = ["shopcart/cart.py"]
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)
DONE = tc("finish", summary="multiply by quantity")
ISSUE = "Cart total ignores item quantities"


def run(cli, repo: Path, tmp: Path, deep_rules, fast_rules, *extra: str, issue: str = ISSUE):
    deep = write_script(tmp / "deep.json", deep_rules)
    fast = write_script(tmp / "fast.json", fast_rules)
    result = cli("run", "--repo", repo, "--issue", issue, "--deep-model", deep, "--fast-model", fast, "--json", *extra)
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def first(events, kind: str) -> dict:
    return next(e for e in events if e["kind"] == kind)


def deep_calls(events) -> list[dict]:
    return [e for e in events if e["kind"] == "model_call" and e["tier"] == "deep"]


@pytest.fixture
def auto(monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MODE", "auto")


def test_a_small_issue_takes_the_quick_path_without_any_deep_model_call(cli, repo, store, tmp_path, auto):
    result, events = run(cli, repo, tmp_path, [], [("Your step", [FIX, DONE])])

    assert result.exit_code == 0, result.stderr
    triage = first(events, "triage")
    assert triage["small"] and not triage["passed"]
    assert triage["failing_tests"] == [
        "tests/test_cart.py::test_quantity_counts_in_subtotal",
        "tests/test_cart.py::test_discount_applies_to_all_units",
    ]
    # The test file imports the package, whose __init__ leads to the module with the bug.
    assert triage["files"] == ["shopcart/cart.py", "shopcart/__init__.py", "tests/test_cart.py"]
    assert triage["check"] == "python -m pytest -q " + " ".join(triage["failing_tests"])
    planned = first(events, "plan")
    assert planned["path"] == "quick" and "one file (tests/test_cart.py)" in planned["why"]
    assert deep_calls(events) == []
    [job] = store.jobs()
    [only] = store.steps(job.id)
    assert (only.title, only.check_command) == (f"Resolve the issue: {ISSUE}", triage["check"])
    assert only.files == ["shopcart/cart.py", "shopcart/__init__.py"]  # not the test: the tests stay the judge
    assert first(events, "plan_check")["output"].startswith("=")  # pytest's failure sections, for the worker
    assert job.status == "succeeded" and "planner did not review" in job.uncertainties[0]
    assert git(repo, "log", "-1", "--format=%s", job.branch) == only.title


def test_quick_mode_still_reviews_when_the_full_run_fails(cli, repo, store, tmp_path):
    # The step's check (the failing tests) passes; the full run does not: zero quantities are now accepted.
    half = tc("edit_file", path="shopcart/cart.py", old_text="if quantity < 1:", new_text="if quantity < 0:")
    result, events = run(
        cli,
        repo,
        tmp_path,
        [finish_review("zero quantities slipped in")],
        [("Your step", [FIX, half, DONE])],
        "--quick",
        "--test-command",
        "python3 -m pytest -q",
    )

    assert first(events, "plan")["why"] == "quick mode was asked for"
    assert [c["purpose"] for c in deep_calls(events)] == ["review"]
    assert result.exit_code == 1 and store.jobs()[0].outcome_reason.endswith("the full test run failed")


def test_a_passing_suite_is_not_small_and_goes_to_the_planner(cli, tmp_path, auto):
    repo = make_repo(tmp_path / "green")
    (repo / "shopcart" / "cart.py").write_text(
        (repo / "shopcart" / "cart.py")
        .read_text()
        .replace("item.price_cents for", "item.price_cents * item.quantity for")
    )
    git(repo, "-c", "user.name=d", "-c", "user.email=d@example.com", "commit", "-qam", "fixed")
    result, events = run(
        cli,
        repo,
        tmp_path,
        [(PLANNER, [plan(note_step())]), finish_review()],
        [("Your step", [write_note(), tc("finish", summary="a note")])],
        issue="Please add a NOTES.md for new contributors; see docs/missing.md",
    )

    assert result.exit_code == 0, result.stderr
    triage = first(events, "triage")
    assert triage["passed"] and not triage["small"] and triage["failing_tests"] == []
    assert triage["check"] == "python -m pytest -q"  # the test command itself
    assert triage["files"] == []  # nothing the issue names is in the code; a module that does not exist is not
    assert "path" not in first(events, "plan")
    assert [c["purpose"] for c in deep_calls(events)] == ["plan", "review"]


def test_a_traceback_in_the_issue_names_the_file_and_makes_it_small(cli, tmp_path, auto, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_REPRODUCE_TRIES", "0")  # tests/test_reproduce.py reproduces
    repo = make_repo(tmp_path / "green")
    (repo / "tests" / "test_cart.py").unlink()
    git(repo, "-c", "user.name=d", "-c", "user.email=d@example.com", "commit", "-qam", "no tests")
    issue = (
        "Crash when adding\n\nTraceback (most recent call last):\n"
        '  File "/home/me/app.py", line 3, in <module>\n'
        f'  File "{repo}/shopcart/cart.py", line 22, in add\n'
        "ValueError: quantity must be at least 1\n"
    )
    stop = (ESCALATION, [tc("stop", explanation="no")])
    result, events = run(cli, repo, tmp_path, [stop], [("Your step", [tc("stuck", reason="no")])], issue=issue)

    triage = first(events, "triage")
    assert triage["small"] and triage["files"][0] == "shopcart/cart.py"
    assert first(events, "plan")["path"] == "quick"
    assert result.exit_code == 1 and [c["purpose"] for c in deep_calls(events)] == ["escalation"]


def test_quick_and_planned_flags_exclude_each_other(cli, repo):
    result = cli("run", "--repo", repo, "--issue", "x", "--quick", "--planned")
    assert result.exit_code == 2 and "--quick and --planned" in result.stderr
