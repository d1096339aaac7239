"""`review` and `revise` through the CLI: a scripted job with an escalation, real git, real SQLite.
Expectations come from git and the DB themselves, not from fixed strings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from agent.engine.decisions.revise import REVISE_SYSTEM
from agent.views.review import ReviewFormat, print_review
from tests.conftest import git
from tests.scripting import ESCALATION, PLANNER, REVIEW, plan, step, tc, write_script
from tests.test_job_end_to_end import EMPTY_CHECK, FIX, NEW_TEST, QTY_CHECK

ISSUE_URL = "https://github.com/acme/shopcart/issues/7"
THREE_CHECK = "python3 -m pytest -q tests/test_cart.py::test_three_apples"
GUIDANCE = "Multiply price_cents by quantity inside subtotal_cents"
DOUBT = "Discount rounding on odd totals was not re-checked"
FEEDBACK = "Please also test a cart holding three apples"
THREE_APPLES = {
    "path": "tests/test_cart.py",
    "old_text": "def test_rejects_zero_quantity():",
    "new_text": "def test_three_apples():\n    cart = Cart()\n    cart.add('apple', 100, quantity=3)\n"
    "    assert cart.total_cents() == 300\n\n\ndef test_rejects_zero_quantity():",
}
PRICES = {"deep": {"input": 3.0, "output": 15.0}, "fast": {"input": 0.5, "output": 2.0}}


def scripts(tmp: Path) -> tuple[str, str]:
    """Step 1 fails its check, escalates, and passes after the planner's `retry` guidance; revise adds step 3."""
    test_file = (Path(__file__).parent.parent / "examples/shopcart/tests/test_cart.py").read_text() + NEW_TEST
    deep = write_script(
        tmp / "deep.json",
        [
            (
                REVISE_SYSTEM[:60],
                [
                    tc(
                        "add_steps",
                        reason="the reviewer wants a three-apple test",
                        steps=[step("Test three apples", THREE_CHECK, files=["tests/test_cart.py"])],
                    )
                ],
            ),
            (ESCALATION, [tc("retry", guidance=GUIDANCE)]),
            (
                PLANNER,
                [
                    plan(
                        step("Count quantities in the subtotal", QTY_CHECK, files=["shopcart/cart.py"]),
                        step("Test the empty cart total", EMPTY_CHECK, files=["tests/test_cart.py"]),
                    )
                ],
            ),
            (REVIEW, [tc("finish_job", summary="Subtotal counts every unit.", uncertainties=[DOUBT])]),
        ],
    )
    fast = write_script(
        tmp / "fast.json",
        [
            ("Guidance from the planner", [tc("edit_file", **FIX), tc("finish", summary="multiply by quantity")]),
            ("Your step: Count quantities", [tc("finish", summary="looks fine to me")]),
            (
                "Your step: Test the empty cart",
                [
                    tc("create_file", path="tests/test_cart.py", content=test_file),
                    tc("finish", summary="added the test"),
                ],
            ),
            ("Your step: Test three apples", [tc("edit_file", **THREE_APPLES), tc("finish", summary="three apples")]),
        ],
    )
    return deep, fast


@pytest.fixture
def job(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_CHECK_FAILURES_PER_ATTEMPT", "1")
    monkeypatch.setenv("SPARKWRIGHT_PRICES", json.dumps(PRICES))
    deep, fast = scripts(tmp_path)
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
    )
    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    store.update_job(job.id, issue_url=ISSUE_URL)  # as `run URL` records it
    return store.job(job.id)


def branch_commits(repo: Path, job) -> list[str]:
    return git(repo, "log", "--reverse", "--format=%H", f"{job.base_commit}..{job.branch}").split()


def test_review_shows_every_step_commit_and_check_that_the_db_and_git_hold(cli, repo, store, job):
    result = cli("review", job.id)

    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "\x1b[" not in out, "piped output is plain"
    steps, commits = store.steps(job.id), branch_commits(repo, job)
    assert [s.commit_sha for s in steps] == commits
    for s in steps:
        assert f"{s.title}  {s.commit_sha}" in out
        assert f"check: {s.check_command} → passed (exit 0," in out
        assert git(repo, "log", "-1", "--format=%s", s.commit_sha) in out
    assert "attempt 1 (fast): failed" in out and "attempt 2 (fast): passed" in out
    assert f"→ retry: {GUIDANCE}" in out
    assert "revision 2 (retry)" in out
    assert git(repo, "diff", job.base_commit, job.branch) in out
    for path in git(repo, "diff", "--name-only", job.base_commit, job.branch).split():
        assert f"M {path}  +" in out
    assert f"uncertain: {DOUBT}" in out
    assert "deep: " in out and "fast: " in out and "$" in out


def test_markdown_is_a_pull_request_body_with_the_issue_link(cli, repo, store, job):
    result = cli("review", job.id, "--format", "markdown")

    assert result.exit_code == 0, result.stderr
    tokens = MarkdownIt("commonmark").enable("table").parse(result.stdout)
    inline = [t for t in tokens if t.type == "inline"]
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == job.issue_title
    assert {"Plan", "Steps", "Test evidence", "Needs a second look", "Usage"} <= set(headings)
    links = [c.attrGet("href") for t in inline for c in t.children or [] if c.type == "link_open"]
    assert ISSUE_URL in links
    assert "Fixes #7" in [t.content for t in inline]
    numbered = [(t.info, tokens[i + 2].content) for i, t in enumerate(tokens) if t.type == "list_item_open" and t.info]
    assert [(n, line.split()[0].strip("`")) for n, line in numbered] == [
        (str(n), sha[:7]) for n, sha in enumerate(branch_commits(repo, job), 1)
    ]
    assert all("passed" in line for _, line in numbered)
    test_run = store.events(job.id, kinds=["test_run"])[-1].payload
    assert test_run["passed"] and any(t.content.startswith(f"`{test_run['command']}` ✅ passed") for t in inline)
    assert sum(1 for t in tokens if t.type == "table_open") == 1


def test_json_matches_the_db_and_git(cli, repo, store, job):
    result = cli("review", job.id, "--format", "json")

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    steps = store.steps(job.id)
    assert [(s["id"], s["commit"], s["status"]) for s in data["steps"]] == [
        (s.id, s.commit_sha, s.status) for s in steps
    ]
    assert [c["sha"] for c in data["commits"]] == branch_commits(repo, job)
    assert [c["step"] for c in data["commits"]] == [s.id for s in steps]
    assert data["head"] == git(repo, "rev-parse", job.branch)
    assert data["diff"].strip() == git(repo, "diff", job.base_commit, job.branch)
    assert [f["path"] for f in data["files"]] == git(repo, "diff", "--name-only", job.base_commit, job.branch).split()
    first = data["steps"][0]
    assert [a["status"] for a in first["attempts"]] == [a.status for a in store.attempts(job.id, steps[0].id)]
    assert first["decisions"][0]["decision"] == "retry" and first["decisions"][0]["detail"]["guidance"] == GUIDANCE
    assert all(s["check_result"]["passed"] for s in data["steps"])
    assert data["fixes"] == 7 and data["uncertainties"] == [DOUBT]
    for tier, price in PRICES.items():
        t = data["usage"][tier]
        assert t["cost_usd"] == pytest.approx(
            (t["tokens_in"] * price["input"] + t["tokens_out"] * price["output"]) / 1e6, abs=1e-4
        )
    assert data["rounds"][0]["test_runs"][-1]["passed"] is True


def test_step_view_shows_its_commit_diff_and_its_attempts_in_short(cli, repo, store, job):
    sha = store.steps(job.id)[0].commit_sha

    text = cli("review", job.id, "--step", "1")
    as_json = json.loads(cli("review", job.id, "--step", "1", "--format", "json").stdout)

    assert text.exit_code == 0, text.stderr
    assert git(repo, "show", "--format=", sha) in text.stdout
    assert git(repo, "diff", f"{sha}~1", f"{sha}", "--stat").splitlines()[0].strip() in text.stdout
    # Its finish changed no file: the check had failed on those files already and did not run again.
    assert "attempt 1 (fast) — failed" in text.stdout and "check (finish) failed" in text.stdout
    assert "not run again: the files are as in a try this step's check already failed" in text.stdout
    assert "attempt 2 (fast) — passed" in text.stdout and "tool edit_file(" in text.stdout
    attempts = as_json["step"]["attempts"]
    assert [[line["kind"] for line in a["transcript"]] for a in attempts] == [
        ["model", "check"],
        ["model", "tool", "model", "check"],
    ]
    assert as_json["step"]["diff"].startswith(f"commit {sha}")
    bad = cli("review", job.id, "--step", "9")
    assert bad.exit_code == 2 and "--step 1..2" in bad.stderr


def test_revise_adds_commits_on_top_and_keeps_both_rounds(cli, repo, store, job):
    before = branch_commits(repo, job)

    result = cli("revise", job.id, FEEDBACK, "--json")

    assert result.exit_code == 0, result.stderr
    after = branch_commits(repo, job)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    for sha in before:
        git(repo, "merge-base", "--is-ancestor", sha, job.branch)
    assert git(repo, "log", "-1", "--format=%s", job.branch) == "Test three apples"
    assert store.job(job.id).status == "succeeded"
    feedback = [r for r in store.revisions(job.id) if r.kind == "feedback"]
    assert [r.reason for r in feedback] == [FEEDBACK]
    data = json.loads(cli("review", job.id, "--format", "json").stdout)
    assert [r["status"] for r in data["rounds"]] == ["succeeded", "succeeded"]
    assert data["rounds"][1]["feedback"] == FEEDBACK and data["rounds"][1]["test_runs"][-1]["passed"]
    assert data["rounds"][1]["summary"] == "Subtotal counts every unit."
    assert [s["round"] for s in data["steps"]] == [0, 0, 1]
    assert [c["sha"] for c in data["commits"]] == after
    assert "round 1 (feedback: Please also test" in cli("review", job.id).stdout


def test_revise_refuses_a_running_or_interrupted_job(cli, store, job):
    store.update_job(job.id, status="running")
    store.acquire_lease(job.id, "elsewhere:1")

    running = cli("revise", job.id, FEEDBACK)
    store.release_lease(job.id, "elsewhere:1")
    interrupted = cli("revise", job.id, FEEDBACK)

    assert running.exit_code == 2 and "is still running" in running.stderr
    assert len(running.stderr.strip().splitlines()) == 1
    assert interrupted.exit_code == 2 and "sparkwright resume" in interrupted.stderr
    assert not [r for r in store.revisions(job.id) if r.kind == "feedback"]


def test_revise_of_a_failed_job_retires_its_failed_step_and_can_succeed(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")
    deep = write_script(
        tmp_path / "deep.json",
        [
            (
                REVISE_SYSTEM[:60],
                [
                    tc(
                        "add_steps",
                        reason="multiply",
                        steps=[step("Multiply by quantity", QTY_CHECK, files=["shopcart/cart.py"])],
                    )
                ],
            ),
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]),
            (REVIEW, [tc("finish_job", summary="Fixed.", uncertainties=[])]),
        ],
    )
    fast = write_script(
        tmp_path / "fast.json",
        [
            ("Your step: Multiply by quantity", [tc("edit_file", **FIX), tc("finish", summary="multiplied")]),
            ("Your step", [tc("finish", summary="I think it is fine")]),
        ],
    )
    assert (
        cli(
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
        ).exit_code
        == 1
    )
    job = store.jobs()[0]
    assert "(no changes)" in cli("review", job.id).stdout

    result = cli("revise", job.id, "Multiply each price by its quantity", "--json")

    assert result.exit_code == 0, result.stderr
    assert [(s.title, s.status) for s in store.steps(job.id)] == [
        ("Count quantities", "superseded"),
        ("Multiply by quantity", "done"),
    ]
    assert [a.status for a in store.attempts(job.id)] == ["failed", "passed"]
    data = json.loads(cli("review", job.id, "--format", "json").stdout)
    assert [r["status"] for r in data["rounds"]] == ["failed", "succeeded"]
    assert [c["sha"] for c in data["commits"]] == branch_commits(repo, job) == [store.steps(job.id)[1].commit_sha]


def test_in_a_terminal_the_diff_is_highlighted(store, job):
    screen = StringIO()
    print_review(store, job, ReviewFormat.TEXT, Console(file=screen, force_terminal=True, width=120), fixes=None)

    assert "\x1b[" in screen.getvalue()
    plain = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())
    assert "+        return sum(item.price_cents * item.quantity for item in self.items)" in plain


def test_a_revision_round_killed_midway_resumes_on_its_own_graph_thread(cli, repo, store, job, home, tmp_path):
    before = branch_commits(repo, job)
    started = len(store.events(job.id, kinds=["attempt_started"]))
    fast = Path(job.settings["fast_model"].split(":", 1)[1])
    slow = {**json.loads(fast.read_text()), "delay": 60}
    fast.write_text(json.dumps(slow))
    env = {**os.environ, "SPARKWRIGHT_HOME": str(home), "PYTHONPATH": str(Path(__file__).parent.parent)}
    revising = subprocess.Popen(
        [sys.executable, "-m", "agent", "revise", job.id, FEEDBACK, "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(store.events(job.id, kinds=["attempt_started"])) == started and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        revising.kill()
        revising.wait()
    assert store.effective_status(store.job(job.id)).value == "interrupted"
    fast.write_text(json.dumps({**slow, "delay": 0}))

    resumed = cli("resume", job.id, "--force", "--json")

    assert resumed.exit_code == 0, resumed.stderr
    after = branch_commits(repo, job)
    assert after[: len(before)] == before and len(after) == len(before) + 1
    assert [r.kind for r in store.revisions(job.id)].count("feedback") == 1
    data = json.loads(cli("review", job.id, "--format", "json").stdout)
    assert [r["status"] for r in data["rounds"]] == ["succeeded", "succeeded"]
    assert data["rounds"][1]["summary"], "a fresh graph thread: the final review deliberated again"
