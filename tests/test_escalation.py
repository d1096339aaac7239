"""Escalation: every way the planner can answer a failed step, and the limits that end a job."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git
from tests.model_fakes import FakeOpenAI
from tests.scripting import ESCALATION, PLANNER, TAKEOVER, plan, step, tc, text, write_script

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
DISCOUNT_CHECK = "python3 -m pytest -q tests/test_cart.py::test_discount_applies_to_all_units"
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)
WRONG = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="subtotal - subtotal * self.discount_percent // 100",
    new_text="subtotal",
)
JUNK = tc("create_file", path="junk.txt", content="scratch\n")
DONE = tc("finish", summary="done")
CART = ["shopcart/cart.py"]
SINGLE_PROMPT = "You fix bugs in small repositories"


@pytest.fixture(autouse=True)
def quick_escalation(monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_CHECK_FAILURES_PER_ATTEMPT", "1")
    monkeypatch.setenv("SPARKWRIGHT_MAX_REVIEW_ROUNDS", "0")


def run(cli, repo: Path, tmp: Path, deep_rules, fast_rules):
    deep = write_script(tmp / "deep.json", deep_rules)
    fast = write_script(tmp / "fast.json", fast_rules)
    result = cli(
        "run",
        "--repo",
        repo,
        "--issue",
        "Cart total ignores quantities",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        "--json",
    )
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def failing_first_attempt(title: str):
    """The worker's first try makes wrong edits (and a stray file); with the planner's guidance it gets it right."""
    return [("Guidance from the planner", [FIX, DONE]), (f"Your step: {title}", [JUNK, WRONG, DONE])]


def branch_files(repo: Path, branch: str) -> list[str]:
    return git(repo, "ls-tree", "-r", "--name-only", branch).splitlines()


def test_retry_with_guidance_then_success_discards_the_failed_edits(cli, repo, store, tmp_path):
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [tc("retry", guidance="Multiply each price by its quantity in subtotal_cents.")]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]),
        ],
        failing_first_attempt("Count quantities"),
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    (only,) = store.steps(job.id)
    assert only.status == "done" and only.escalations == 1 and "Multiply" in only.guidance
    assert [a.status for a in store.attempts(job.id)] == ["failed", "passed"]
    (report,) = store.failure_reports(job.id)
    assert report.decision == "retry"
    assert "junk.txt" in report.report["last_diff"] and "check still failed" in report.report["why"]
    assert "FAILED" in report.report["check_output_tail"] or "failed" in report.report["check_output_tail"]
    # The failed attempt's edits are gone: from the branch and from the worktree.
    assert "junk.txt" not in branch_files(repo, job.branch)
    assert not (Path(job.worktree_path) / "junk.txt").exists()
    assert "discount_percent // 100" in git(repo, "show", f"{job.branch}:shopcart/cart.py")
    assert [r.kind for r in store.revisions(job.id)] == ["initial", "retry"]
    assert any(e["kind"] == "decision" and e["decision"] == "retry" for e in events)


def test_split_replaces_the_step_with_smaller_ones(cli, repo, store, tmp_path):
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [
            (
                ESCALATION,
                [
                    tc(
                        "split",
                        reason="two separate fixes",
                        steps=[
                            {
                                "title": "Fix the subtotal",
                                "instructions": "multiply by quantity",
                                "check": QTY_CHECK,
                                "files": ["shopcart/cart.py"],
                            },
                            {
                                "title": "Check the discount",
                                "instructions": "verify",
                                "check": DISCOUNT_CHECK,
                                "files": CART,
                            },
                        ],
                    )
                ],
            ),
            (PLANNER, [plan(step("Fix the whole cart", DISCOUNT_CHECK, files=CART))]),
        ],
        [
            ("Your step: Fix the subtotal", [FIX, DONE]),
            ("Your step: Check the discount", [DONE]),
            ("Your step: Fix the whole cart", [tc("stuck", reason="too much at once", hypothesis="split it")]),
        ],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    steps = store.steps(job.id)
    assert [(s.title, s.status) for s in steps] == [
        ("Fix the whole cart", "superseded"),
        ("Fix the subtotal", "done"),
        ("Check the discount", "done"),
    ]
    assert steps[1].parent_id == steps[0].id
    assert store.failure_reports(job.id)[0].report["worker_hypothesis"] == "split it"
    subjects = git(repo, "log", "--format=%s", f"{job.base_commit}..{job.branch}").splitlines()
    assert subjects == ["Check the discount", "Fix the subtotal"]


def test_revise_replaces_the_remaining_plan(cli, repo, store, tmp_path):
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [
            (
                ESCALATION,
                [
                    tc(
                        "revise",
                        reason="the quantity bug is the root cause",
                        steps=[
                            {
                                "title": "Count quantities first",
                                "instructions": "multiply",
                                "check": QTY_CHECK,
                                "files": CART,
                            }
                        ],
                    )
                ],
            ),
            (
                PLANNER,
                [
                    plan(
                        step("Fix the discount", DISCOUNT_CHECK, files=CART), step("Polish", DISCOUNT_CHECK, files=CART)
                    )
                ],
            ),
        ],
        [("Your step: Count quantities first", [FIX, DONE]), ("Your step: Fix the discount", [DONE])],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert [(s.title, s.status) for s in store.steps(job.id)] == [
        ("Fix the discount", "superseded"),
        ("Count quantities first", "done"),
        ("Polish", "superseded"),
    ]
    assert store.revisions(job.id)[-1].kind == "revise"


def test_take_over_runs_the_step_on_the_deep_model(cli, repo, store, tmp_path):
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [tc("take_over", reason="the worker keeps missing the quantity")]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
            (TAKEOVER, [FIX, DONE]),  # the deep model, now doing the step itself
        ],
        [("Your step", [tc("stuck", reason="no idea")])],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert store.steps(job.id)[0].executor == "deep"
    assert [(a.tier, a.status) for a in store.attempts(job.id)] == [("fast", "failed"), ("deep", "passed")]
    edits = [
        e
        for e in store.events(job.id, kinds=["model_call"])
        if e.payload["tool_calls"] and e.payload["tool_calls"][0]["name"] == "edit_file"
    ]
    assert [e.payload["tier"] for e in edits] == ["deep"]


def test_a_bare_word_decision_is_taken_when_it_needs_no_arguments(cli, repo, store, tmp_path):
    """As a 1.5B planner answered: bare words. `revise` needs steps, so it is asked again; `take_over` does not."""
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [text("revise"), text("take_over")]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK))]),
            (TAKEOVER, [FIX, DONE]),
        ],
        [("Your step", [tc("stuck", reason="no idea")])],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert [e["decision"] for e in events if e["kind"] == "decision"] == ["take_over"]
    assert [(a.tier, a.status) for a in store.attempts(job.id)] == [("fast", "failed"), ("deep", "passed")]


def test_stop_ends_the_job_with_the_planners_explanation(cli, repo, store, tmp_path):
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [tc("stop", explanation="the tests contradict the issue; a human must decide")]),
            (
                PLANNER,
                [
                    plan(
                        step("Count quantities", QTY_CHECK, files=CART),
                        step("Fix the discount", DISCOUNT_CHECK, files=CART),
                    )
                ],
            ),
        ],
        [("Your step", [JUNK, tc("stuck", reason="contradiction")])],
    )

    assert result.exit_code == 1
    job = store.jobs()[0]
    assert job.status == "failed" and "the tests contradict the issue" in job.outcome_reason
    assert [s.status for s in store.steps(job.id)] == ["failed", "skipped"]
    assert not (Path(job.worktree_path) / "junk.txt").exists()
    assert events[-1]["kind"] == "job_finished"


def test_a_repeated_failing_action_is_detected_as_a_loop_and_escalated(cli, repo, store, tmp_path):
    bad_edit = tc("edit_file", path="shopcart/cart.py", old_text="no such text", new_text="x")
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [tc("retry", guidance="Copy old_text from the file exactly.")]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
        ],
        [("Guidance from the planner", [FIX, DONE]), ("Your step", [bad_edit])],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    (report,) = store.failure_reports(job.id)
    assert (
        "same call edit_file(path=" in report.report["why"] and "gave the same result 3 times" in report.report["why"]
    )
    assert report.report["budget_used"]["turns"] == 3


def test_the_escalation_limit_stops_a_job_that_keeps_failing(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "2")
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [tc("retry", guidance="Try again, harder.")]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
        ],
        [("Your step", [WRONG, DONE])],
    )

    assert result.exit_code == 1
    job = store.jobs()[0]
    assert job.status == "failed" and "escalation limit (2 per step)" in job.outcome_reason
    assert [r.decision for r in store.failure_reports(job.id)] == ["retry", "retry", "limit"]
    assert len(store.attempts(job.id)) == 3
    assert git(repo, "rev-list", "--count", f"{job.base_commit}..{job.branch}") == "0"


def test_show_reports_escalations_and_usage_per_tier(cli, repo, store, tmp_path):
    run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [tc("retry", guidance="Multiply each price by its quantity.")]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]),
        ],
        failing_first_attempt("Count quantities"),
    )
    job = store.jobs()[0]

    shown = json.loads(cli("show", job.id, "--json").stdout)

    assert shown["escalations"] == [
        {"step": store.steps(job.id)[0].id, "why": store.failure_reports(job.id)[0].report["why"], "decision": "retry"}
    ]
    calls = store.events(job.id, kinds=["model_call"])
    for tier in ("deep", "fast"):
        mine = [e.payload for e in calls if e.payload["tier"] == tier]
        assert shown["usage"][tier]["calls"] == len(mine)
        assert shown["usage"][tier]["tokens_in"] == sum(p["tokens_in"] for p in mine) > 0
    text = cli("show", job.id).stdout
    assert "escalation on step" in text and "→ retry" in text and "deep:" in text and "fast:" in text
    story = text.split("story")[1]
    assert "escalation: why=the check still failed" in story and "decision: decision=retry" in story
    assert "edit_file ok" in story and "step_done: title=Count quantities" in story


def test_kept_edits_are_the_next_attempts_starting_point(cli, repo, store, tmp_path):
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [
            (
                ESCALATION,
                [tc("retry", guidance="Your subtotal edit is right; also keep the notes file.", keep_edits=True)],
            ),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
        ],
        [
            ("Guidance from the planner", [DONE]),
            (
                "Your step: Count quantities",
                [tc("create_file", path="NOTES.md", content="why\n"), FIX, tc("stuck", reason="not sure it is enough")],
            ),
        ],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert "NOTES.md" in branch_files(repo, job.branch)
    assert "* item.quantity" in git(repo, "show", f"{job.branch}:shopcart/cart.py")


def test_final_review_can_add_follow_up_steps_within_its_bound(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_REVIEW_ROUNDS", "1")
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            (
                "## Final review",
                [
                    tc(
                        "add_steps",
                        reason="the discount path is untested",
                        steps=[
                            {
                                "title": "Check the discount",
                                "instructions": "verify",
                                "check": DISCOUNT_CHECK,
                                "files": CART,
                            }
                        ],
                    )
                ],
            ),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
        ],
        [("Your step: Count quantities", [FIX, DONE]), ("Your step: Check the discount", [DONE])],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert [(s.title, s.status) for s in store.steps(job.id)] == [
        ("Count quantities", "done"),
        ("Check the discount", "done"),
    ]
    assert [r.kind for r in store.revisions(job.id)] == ["initial", "review"]
    # One review round was allowed: the second full test run ends the job without asking the model again.
    assert [e["kind"] for e in events].count("test_run") == 2
    assert sum(1 for e in events if e["kind"] == "model_call" and e.get("purpose") == "review") == 1


@pytest.mark.parametrize(
    ("decision", "said"),
    [
        (tc("retry", guidance="multiply by the quantity"), "the planner said retry: multiply by the quantity"),
        (tc("stop", explanation="too hard"), "the planner said stop: too hard"),
        (tc("view_file", path="nowhere.py"), "the planner said stop: the planner reached no escalation decision"),
    ],
)
def test_the_deep_tier_takes_over_before_a_retry_or_a_stop(decision, said, cli, repo, store, tmp_path, monkeypatch):
    """With `take_over_first` (on by default for a locally served fast model), the planner's retry, stop or lack
    of any decision becomes a take-over the first time a fast step fails; the record says what the planner said."""
    monkeypatch.setenv("SPARKWRIGHT_TAKE_OVER_FIRST", "always")
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [decision]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
            (TAKEOVER, [FIX, DONE]),
        ],
        [("Your step", [tc("stuck", reason="no idea")])],
    )

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    (decided,) = [e for e in events if e["kind"] == "decision"]
    assert decided["decision"] == "take_over" and said in decided["detail"]["reason"]
    assert "the fast tier used all its candidates" in decided["detail"]["reason"]
    assert [(a.tier, a.status) for a in store.attempts(job.id)] == [("fast", "failed"), ("deep", "passed")]


def test_a_split_into_steps_that_cannot_work_does_not_go_before_the_take_over(cli, repo, store, tmp_path, monkeypatch):
    """A small planner's split into steps on files that do not exist (a real 1.5B's, on a one-function bug) is
    checked as a plan is, and the deep tier's own candidates come first."""
    monkeypatch.setenv("SPARKWRIGHT_TAKE_OVER_FIRST", "always")
    split = tc(
        "split",
        reason="likely due to issues with pagination or indexing",
        steps=[step("Review the code and ensure pagination is right", QTY_CHECK, files=["src/search.py"])],
    )
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [split]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
            (TAKEOVER, [FIX, DONE]),
        ],
        [("Your step", [tc("stuck", reason="no idea")])],
    )

    assert result.exit_code == 0, result.stderr
    (decided,) = [e for e in events if e["kind"] == "decision"]
    assert decided["decision"] == "take_over"
    assert "the planner said split: likely due to issues with pagination" in decided["detail"]["reason"]
    assert "is not an edit" in decided["detail"]["reason"]
    assert "file 'src/search.py' does not exist" in decided["detail"]["reason"]
    job = store.jobs()[0]
    assert [(a.tier, a.status) for a in store.attempts(job.id)] == [("fast", "failed"), ("deep", "passed")]


def test_a_split_goes_before_the_take_over(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_TAKE_OVER_FIRST", "always")
    split = tc(
        "split",
        reason="two changes",
        steps=[
            step("Count quantities only", QTY_CHECK, files=CART),
            step("Discount every unit", DISCOUNT_CHECK, files=CART),
        ],
    )
    result, events = run(
        cli,
        repo,
        tmp_path,
        [(ESCALATION, [split]), (PLANNER, [plan(step("Fix the cart", f"{QTY_CHECK} {DISCOUNT_CHECK}", files=CART))])],
        [
            ("Your step: Count quantities only", [FIX, DONE]),
            ("Your step: Discount every unit", [DONE]),
            ("Your step", [tc("stuck", reason="no idea")]),
        ],
    )

    assert result.exit_code == 0, result.stderr
    assert [e["decision"] for e in events if e["kind"] == "decision"] == ["split"]


@pytest.mark.parametrize(
    ("new_steps", "problem"),
    [
        ([step("Count quantities again", QTY_CHECK, files=CART)], "it is the same step again"),
        (
            [step("Relax the test", QTY_CHECK, files=["tests/test_cart.py"]), step("Fix it", QTY_CHECK, files=CART)],
            "only edits the tests the check runs",
        ),
    ],
)
def test_a_split_that_changes_nothing_does_not_go_before_the_take_over(
    new_steps, problem, cli, repo, store, tmp_path, monkeypatch
):
    """Real 1.5B planners' splits of one-function bugs: one step with the failed step's check (a retry by another
    name), or a step that edits the very tests the check runs. The deep tier's own candidates come first."""
    monkeypatch.setenv("SPARKWRIGHT_TAKE_OVER_FIRST", "always")
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            (ESCALATION, [tc("split", reason="smaller", steps=new_steps)]),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=CART))]),
            (TAKEOVER, [FIX, DONE]),
        ],
        [("Your step", [tc("stuck", reason="no idea")])],
    )

    assert result.exit_code == 0, result.stderr
    (decided,) = [e for e in events if e["kind"] == "decision"]
    assert decided["decision"] == "take_over" and problem in decided["detail"]["reason"]
    job = store.jobs()[0]
    assert [(a.tier, a.status) for a in store.attempts(job.id)] == [("fast", "failed"), ("deep", "passed")]


def test_a_small_local_worker_s_failed_single_prompt_goes_to_the_planner_s_model_next(cli, repo, store, monkeypatch):
    """A split of local models (a 0.5B worker under a 1.5B planner): the worker's single prompt gets one reply (a
    wrong edit here), then the planner's model gets the very same prompt, before the worker's other candidates and
    before any escalation (which would cost a deliberation and the worker's every candidate first)."""
    monkeypatch.setenv("SPARKWRIGHT_MODE", "quick")
    source = (repo / "shopcart" / "cart.py").read_text()
    fixed = source.replace(
        "sum(item.price_cents for item in self.items)", "sum(item.price_cents * item.quantity for item in self.items)"
    )
    with FakeOpenAI() as fast, FakeOpenAI() as deep:
        fast.script(SINGLE_PROMPT, [text(f"shopcart/cart.py\n```python\n# Cart.\n{source}```")])
        deep.script(SINGLE_PROMPT, [text(f"shopcart/cart.py\n```python\n{fixed}```")])
        result = cli(
            "run", "--repo", repo, "--issue", "Cart subtotal ignores item quantities", "--json",
            "--fast-model", "openai-compatible:qwen05", "--fast-base-url", fast.base_url,
            "--deep-model", "openai-compatible:qwen15", "--deep-base-url", deep.base_url,
        )  # fmt: skip
        (asked_fast,) = fast.requests_to("/v1/chat/completions")
        (asked_deep,) = deep.requests_to("/v1/chat/completions")

    assert result.exit_code == 0, result.output
    job = store.jobs()[0]
    assert job.status == "succeeded", job.outcome_reason
    assert "item.price_cents * item.quantity" in git(repo, "show", f"{job.branch}:shopcart/cart.py")
    assert [(a.tier, a.status) for a in store.attempts(job.id)] == [("fast", "failed"), ("deep", "passed")]
    assert asked_deep.json["messages"] == asked_fast.json["messages"]
    assert asked_deep.json["model"] == "qwen15" and asked_deep.json["temperature"] == 0
    assert not store.failure_reports(job.id)  # nothing escalated
