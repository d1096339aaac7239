"""Plan approval: `run --approve-plan` stops after planning with nothing worked; `approve` (optionally with
an edited plan) carries on from the checkpoint, `reject` ends the job; nothing else moves a waiting job."""

from __future__ import annotations

import json

from tests.conftest import git
from tests.scripting import PLANNER, finish_review, plan, step, tc, write_script

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)
NOTE = tc("create_file", path="NOTES.md", content="Subtotals count quantities.\n")


def waiting_job(cli, repo, tmp_path, store):
    deep = write_script(
        tmp_path / "deep.json",
        [
            (PLANNER, [plan(step("Rewrite the whole cart", "false", files=["shopcart/cart.py"]))]),
            (
                "back on a job that has finished",
                [tc("add_steps", reason="a note", steps=[step("Note", "test -f NOTES.md")])],
            ),
            finish_review(),
        ],
    )
    fast = write_script(
        tmp_path / "fast.json",
        [
            ("Your step: Count", [FIX, tc("finish", summary="counted")]),
            ("Your step: Note", [NOTE, tc("finish", summary="noted")]),
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
        "--approve-plan",
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    (job,) = store.jobs()
    return job


def test_an_edited_plan_is_approved_and_worked_and_a_revise_round_does_not_wait_again(cli, repo, tmp_path, store):
    job = waiting_job(cli, repo, tmp_path, store)
    assert store.job(job.id).status == "awaiting approval"
    assert not store.attempts(job.id)
    edit = tmp_path / "plan.json"
    edit.write_text(
        json.dumps({"steps": [{"title": "Count quantities", "instructions": "multiply", "check": QTY_CHECK}]})
    )

    assert cli("approve", job.id, "--edit", edit, "--json").exit_code == 0
    steps = store.steps(job.id)
    assert [(s.title, s.status) for s in steps] == [
        ("Rewrite the whole cart", "superseded"),
        ("Count quantities", "done"),
    ]
    assert [r.kind for r in store.revisions(job.id)] == ["initial", "edit"]
    assert store.job(job.id).status == "succeeded"
    assert git(repo, "log", "-1", "--format=%s", job.branch) == "Count quantities"

    assert cli("revise", job.id, "add a note", "--json").exit_code == 0
    assert store.job(job.id).status == "succeeded"
    assert git(repo, "log", "-1", "--format=%s", job.branch) == "Note"


def test_a_rejected_plan_ends_the_job_with_the_reason(cli, repo, tmp_path, store):
    job = waiting_job(cli, repo, tmp_path, store)
    result = cli("reject", job.id, "too risky")
    assert result.exit_code == 0
    row = store.job(job.id)
    assert (row.status, row.outcome_reason) == ("failed", "plan rejected: too risky")
    assert not store.attempts(job.id)
    assert cli("approve", job.id).exit_code == 2
    assert cli("resume", job.id).exit_code == 2


def test_a_waiting_job_moves_only_by_approve_or_reject(cli, repo, tmp_path, store):
    job = waiting_job(cli, repo, tmp_path, store)
    resumed = cli("resume", job.id)
    assert resumed.exit_code == 2 and f"sparkwright approve {job.id}" in resumed.stderr
    assert cli("revise", job.id, "more").exit_code == 2
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": []}')
    assert cli("approve", job.id, "--edit", bad).exit_code == 2
    assert store.job(job.id).status == "awaiting approval"
    assert not store.attempts(job.id)
