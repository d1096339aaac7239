"""A real job end to end: scripted models drive the real graph, tools, git and SQLite."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import git
from tests.scripting import PLANNER, finish_review, plan, step, tc, write_script

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
EMPTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_empty_cart_total_is_zero"
FIX = {
    "path": "shopcart/cart.py",
    "old_text": "sum(item.price_cents for item in self.items)",
    "new_text": "sum(item.price_cents * item.quantity for item in self.items)",
}
NEW_TEST = "\n\ndef test_empty_cart_total_is_zero():\n    assert Cart().total_cents() == 0\n"


def two_step_scripts(tmp: Path) -> tuple[str, str]:
    deep = write_script(
        tmp / "deep.json",
        [
            (
                PLANNER,
                [
                    tc("view_file", path="shopcart/cart.py"),
                    plan(
                        step("Count quantities in the subtotal", QTY_CHECK, files=["shopcart/cart.py"]),
                        step("Test the empty cart total", EMPTY_CHECK, files=["tests/test_cart.py"]),
                    ),
                ],
            ),
            finish_review("Subtotal counts every unit; added an empty-cart test."),
        ],
    )
    fast = write_script(
        tmp / "fast.json",
        [
            ("Your step: Count quantities", [tc("edit_file", **FIX), tc("finish", summary="multiply by quantity")]),
            (
                "Your step: Test the empty cart",
                [
                    tc("frobnicate", path="x"),  # a tool that does not exist
                    tc("edit_file", path="tests/test_cart.py"),  # malformed: arguments missing
                    tc("edit_file", path="tests/test_cart.py", old_text="def test_nope():", new_text="x"),  # no match
                    tc("view_file", path="tests/test_cart.py", start=0, end=5),  # 0 for a 1-based range
                    tc(
                        "create_file",
                        path="tests/test_cart.py",
                        content=(Path(__file__).parent.parent / "examples/shopcart/tests/test_cart.py").read_text()
                        + NEW_TEST,
                    ),
                    tc("finish", summary="added the test"),
                ],
            ),
        ],
    )
    return deep, fast


def run_json(cli, repo: Path, deep: str, fast: str, *extra: str):
    result = cli(
        "run",
        "--repo",
        repo,
        "--issue",
        "Cart total ignores item quantities",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        "--json",
        *extra,
    )
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result, events


def test_job_makes_one_tested_commit_per_step_and_leaves_the_checkout_alone(cli, repo, store, tmp_path):
    (repo / "README.md").write_text("local notes, not committed\n")
    (repo / "shopcart" / "cart.py").write_text((repo / "shopcart" / "cart.py").read_text() + "# my wip\n")
    before = (
        git(repo, "status", "--porcelain"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "branch", "--show-current"),
        (repo / "shopcart" / "cart.py").read_text(),
    )

    result, events = run_json(cli, repo, *two_step_scripts(tmp_path))

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert job.status == "succeeded"
    commits = git(repo, "log", "--format=%H %s", f"{job.base_commit}..{job.branch}").splitlines()
    assert [c.split(" ", 1)[1] for c in reversed(commits)] == [
        "Count quantities in the subtotal",
        "Test the empty cart total",
    ]
    body = git(repo, "log", "-1", "--format=%B", job.branch)
    assert f"Sparkwright-Job: {job.id}" in body and f"Check: {EMPTY_CHECK}" in body and "Result: passed" in body
    # The branch really passes its checks and the full suite, in a fresh clone of it.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "-b", job.branch, str(repo), str(clone))
    for check in (QTY_CHECK, EMPTY_CHECK, "python3 -m pytest -q"):
        assert subprocess.run(check, shell=True, cwd=clone, capture_output=True).returncode == 0, check
    # The user's checkout: same status, same HEAD, same branch, same uncommitted edit.
    after = (
        git(repo, "status", "--porcelain"),
        git(repo, "rev-parse", "HEAD"),
        git(repo, "branch", "--show-current"),
        (repo / "shopcart" / "cart.py").read_text(),
    )
    assert after == before
    # SQLite holds the plan, steps, attempts and events.
    steps = store.steps(job.id)
    assert [s.status for s in steps] == ["done", "done"]
    assert [s.commit_sha for s in steps] == [c.split()[0] for c in reversed(commits)]
    assert store.revisions(job.id)[0].kind == "initial"
    assert [a.status for a in store.attempts(job.id)] == ["passed", "passed"]
    kinds = {e.kind for e in store.events(job.id)}
    assert {"plan", "model_call", "tool_call", "check", "step_done", "test_run", "job_finished"} <= kinds
    assert [e["kind"] for e in events][-1] == "job_finished"


def test_tool_errors_become_observations_and_the_job_goes_on(cli, repo, store, tmp_path):
    result, _ = run_json(cli, repo, *two_step_scripts(tmp_path))
    assert result.exit_code == 0
    job = store.jobs()[0]
    step_two = store.steps(job.id)[1]
    calls = [e.payload for e in store.events(job.id, kinds=["tool_call"]) if e.step_id == step_two.id]
    errors = [c["output"] for c in calls if not c["ok"]]
    assert "unknown tool 'frobnicate'" in errors[0]
    assert "invalid arguments for edit_file" in errors[1] and "old_text" in errors[1]
    assert "old_text was not found in tests/test_cart.py" in errors[2]
    assert calls[3]["ok"] and "lines 1-5" in calls[3]["output"]


def test_a_step_whose_check_never_passes_fails_the_job_with_the_reason(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")
    deep = write_script(
        tmp_path / "deep.json", [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))])]
    )
    fast = write_script(tmp_path / "fast.json", [("Your step", [tc("finish", summary="I think it is fine")])])

    result, events = run_json(cli, repo, deep, fast)

    assert result.exit_code == 1
    job = store.jobs()[0]
    assert job.status == "failed"
    assert "escalation limit" in job.outcome_reason and "check still failed" in job.outcome_reason
    assert store.steps(job.id)[0].status == "failed"
    assert git(repo, "rev-list", "--count", f"{job.base_commit}..{job.branch}") == "0"
    assert events[-1]["kind"] == "job_finished" and events[-1]["status"] == "failed"


def test_planner_and_worker_both_get_the_repos_agents_md(cli, repo, store, tmp_path):
    """Each scripted model answers only when AGENTS.md's text is in its brief (examples/shopcart has one)."""
    rule = "Keep prices in integer cents"
    deep = write_script(
        tmp_path / "deep.json",
        [
            ("## Final review", [tc("finish_job", summary="ok")]),
            (rule, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]),
        ],
    )
    fast = write_script(tmp_path / "fast.json", [(rule, [tc("edit_file", **FIX), tc("finish", summary="ok")])])

    result, _ = run_json(cli, repo, deep, fast)

    assert result.exit_code == 0, result.stderr
    assert store.jobs()[0].status == "succeeded"


def test_the_jobs_commits_leave_the_users_repository_housekeeping_to_them(cli, repo, store, tmp_path):
    # Two packs where the repository allows one: any automatic gc after a commit would repack them into one.
    git(repo, "repack", "-d", "-q")
    (repo / "notes.txt").write_text("a second pack\n")
    git(repo, "add", "notes.txt")
    git(repo, "-c", "user.name=u", "-c", "user.email=u@example.com", "commit", "-q", "-m", "notes")
    git(repo, "repack", "-q")
    git(repo, "config", "gc.autoPackLimit", "1")
    packs = sorted(p.name for p in (repo / ".git" / "objects" / "pack").glob("*.pack"))
    assert len(packs) == 2

    result, _ = run_json(cli, repo, *two_step_scripts(tmp_path))

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert len(git(repo, "log", "--format=%H", f"{job.base_commit}..{job.branch}").split()) == 2
    assert sorted(p.name for p in (repo / ".git" / "objects" / "pack").glob("*.pack")) == packs
