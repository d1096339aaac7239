"""A planner's plan is checked before any work: a plan that cannot work goes back with the reasons, and a planner
that cannot make one gets the quick step instead."""

from __future__ import annotations

from tests.scripting import PLANNER, finish_review, plan, step
from tests.test_plans import CART, DONE, FIX, ISSUE, QTY_CHECK, deep_calls, first, run

PASSING_CHECK = "python3 -m pytest -q tests/test_cart.py::test_single_item_total"
MALFORMED_CHECK = f"{QTY_CHECK} x"  # a small model's stray word: pytest exits 4, "file or directory not found: x"


def test_a_plan_that_cannot_work_goes_back_with_each_reason_and_the_next_plan_is_used(cli, repo, store, tmp_path):
    unusable = plan(
        step("Identify the bug in the subtotal", QTY_CHECK, files=CART),
        step("Multiply by quantity", QTY_CHECK, files=["shopcart/carts.py"]),
        step("Count quantities", MALFORMED_CHECK, files=CART),
        step("Keep single items right", PASSING_CHECK, files=CART),
    )
    usable = plan(step("Count quantities in the subtotal", QTY_CHECK, files=CART))
    result, events = run(
        cli,
        repo,
        tmp_path,
        [("Your plan 1 cannot work", [usable]), (PLANNER, [unusable]), finish_review()],
        [("Your step", [FIX, DONE])],
    )

    assert result.exit_code == 0, result.stderr
    rejected = first(events, "plan_rejected")
    assert rejected["number"] == 1
    one, two, three, four = rejected["problems"]
    assert one.startswith("step 1 ('Identify the bug in the subtotal'): is not an edit")
    assert two.startswith("step 2 ('Multiply by quantity'): file 'shopcart/carts.py' does not exist")
    assert three.startswith(f"step 3 ('Count quantities'): its check `{MALFORMED_CHECK}` cannot run: pytest exit 4")
    assert "file or directory not found: x" in three
    assert four.startswith(f"step 4 ('Keep single items right'): its check `{PASSING_CHECK}` already passes")
    assert [c["purpose"] for c in deep_calls(events)] == ["plan", "plan", "review"]
    [job] = store.jobs()
    assert [s.title for s in store.steps(job.id)] == ["Count quantities in the subtotal"]
    pre = first(events, "plan_check")
    assert (pre["passed"], pre["exit_code"]) == (False, 1) and "test_quantity_counts_in_subtotal" in pre["output"]


def test_a_planner_that_never_makes_a_usable_plan_gets_the_quick_step(cli, repo, store, tmp_path):
    analysis = plan(step("Analyze the input", QTY_CHECK, files=CART))
    result, events = run(cli, repo, tmp_path, [(PLANNER, [analysis]), finish_review()], [("Your step", [FIX, DONE])])

    assert result.exit_code == 0, result.stderr
    assert [e["number"] for e in events if e["kind"] == "plan_rejected"] == [1, 2, 3]  # plan_retries = 2
    planned = first(events, "plan")
    assert planned["path"] == "fallback" and planned["why"] == "none of the planner's 3 plans could work"
    [job] = store.jobs()
    [only] = store.steps(job.id)
    assert only.title == f"Resolve the issue: {ISSUE}" and only.check_command == first(events, "triage")["check"]
    assert [r.kind for r in store.revisions(job.id)] == ["fallback"]
    assert [c["purpose"] for c in deep_calls(events)] == ["plan", "plan", "plan", "review"]
    assert job.status == "succeeded"


def test_plan_retries_bounds_the_returns(cli, repo, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_PLAN_RETRIES", "0")
    analysis = plan(step("Debug the subtotal", QTY_CHECK, files=CART))
    _, events = run(cli, repo, tmp_path, [(PLANNER, [analysis]), finish_review()], [("Your step", [FIX, DONE])])

    assert len([e for e in events if e["kind"] == "plan_rejected"]) == 1
    assert first(events, "plan")["why"] == "the planner's plan could not work"
