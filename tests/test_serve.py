"""`sparkwright serve` in headless Chromium, against a real `serve` process and real scripted jobs: the live
job page, steering, stop and resume, plan approval, and review comments that drive a `revise` round."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from state import SqlStore
from tests.conftest import git
from tests.scripting import PLANNER, finish_review, note_step, plan, step, tc, write_script
from tests.web_fixtures import Job, page, run_job, server, shoot  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)
NOTE = tc("create_file", path="NOTES.md", content="Subtotals count quantities.\n")
REVISE = "back on a job that has finished"
SLOW = {"SPARKWRIGHT_WORKER_MAX_TURNS": "60"}


def browsing(turns: int) -> list[dict]:
    return [tc("view_file", path="shopcart/cart.py", start=1 + n % 20, end=2 + n % 20) for n in range(turns)]


def fast_script(path: Path, rules: list[tuple[str, list[dict]]], delay: float = 0.0) -> str:
    path.write_text(json.dumps({"rules": [{"match": m, "replies": r} for m, r in rules], "delay": delay}))
    return f"scripted:{path}"


def test_live_page_follows_the_job_and_stops_and_resumes_it(page, server, repo, tmp_path, home):
    deep = write_script(
        tmp_path / "deep.json",
        [
            (
                PLANNER,
                [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]), note_step("Write a note"))],
            ),
            finish_review(),
        ],
    )
    fast = fast_script(
        tmp_path / "fast.json",
        [
            ("Your step: Count quantities", [*browsing(6), FIX, tc("finish", summary="counted")]),
            ("Your step: Write a note", [*browsing(40), NOTE, tc("finish", summary="noted")]),
        ],
        delay=0.5,
    )
    job = Job(repo, "quantities", deep, fast, extra_env=SLOW)
    job.wait_for("tool_call")
    page.goto(f"{server.url}/jobs/{job.id}")
    first = page.locator("li.step").first
    assert first.get_attribute("data-status") != "done"
    page.evaluate("window.sameDocument = true")

    page.locator("li.step[data-status=done]").first.wait_for()  # the first step turns done on the open page
    assert page.evaluate("window.sameDocument") is True
    assert page.locator("ol.events li[data-kind=step_done]").count() == 1
    shoot(page, "job-live")

    page.get_by_role("button", name="Stop").click()
    page.locator("#job-status", has_text="interrupted").wait_for()
    assert job.finish() == 130
    page.goto(f"{server.url}/?status=interrupted")
    row = page.locator(f"tr.job[data-job='{job.id}']")
    assert "status-interrupted" in (row.get_attribute("class") or "")
    shoot(page, "jobs")
    row.get_by_role("button", name="resume").click()
    page.goto(f"{server.url}/jobs/{job.id}")
    page.locator("#job-status", has_text="succeeded").wait_for(timeout=120_000)
    assert page.locator("li.step[data-status=done]").count() == 2
    assert git(repo, "log", "-1", "--format=%s", f"sparkwright/quantities-{job.id}") == "Write a note"


def test_a_message_typed_on_the_page_steers_the_worker(page, server, repo, tmp_path, home):
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
    )
    fast = fast_script(
        tmp_path / "fast.json",
        [
            ("Message from the user (steering): multiply", [FIX, tc("finish", summary="steered")]),
            ("Your step", [*browsing(50), tc("stuck", reason="lost")]),
        ],
        delay=0.4,
    )
    job = Job(repo, "quantities", deep, fast, extra_env=SLOW)
    job.wait_for("tool_call")
    page.goto(f"{server.url}/jobs/{job.id}")
    page.locator("textarea[name=message]").fill("multiply each price by its quantity")
    page.get_by_role("button", name="Send to the job").click()

    page.locator("ol.events li[data-kind=steering]", has_text="multiply each price").wait_for()
    page.locator("#job-status", has_text="succeeded").wait_for(timeout=120_000)
    assert job.finish() == 0
    views = sum(1 for e in job.events if e["kind"] == "tool_call" and e["tool"] == "view_file")
    assert views < 45  # the worker changed course instead of browsing to the end of its script


def test_a_plan_waits_for_approval_on_the_page_then_the_job_finishes(page, server, repo, tmp_path, home):
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
    )
    fast = write_script(tmp_path / "fast.json", [("", [FIX, tc("finish", summary="counted")])])
    job_id = run_job(repo, "quantities", deep, fast, "--approve-plan")
    with SqlStore(home / "sparkwright.db") as store:
        assert store.job(job_id).status == "awaiting approval"
        assert not store.attempts(job_id)

    page.goto(f"{server.url}/jobs/{job_id}")
    page.locator("#approval").wait_for()
    shoot(page, "job-approval")
    page.get_by_role("button", name="Approve and run").click()
    page.locator("#job-status", has_text="succeeded").wait_for(timeout=120_000)
    assert page.locator("li.step[data-status=done]").count() == 1
    assert git(repo, "log", "-1", "--format=%s", f"sparkwright/quantities-{job_id}") == "Count quantities"


def test_comments_on_diff_lines_drive_a_revise_round(page, server, repo, tmp_path, home):
    deep = write_script(
        tmp_path / "deep.json",
        [
            (PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]),
            (
                REVISE,
                [tc("add_steps", reason="the reviewer wants a note", steps=[step("Write a note", "test -f NOTES.md")])],
            ),
            finish_review(),
        ],
    )
    fast = fast_script(
        tmp_path / "fast.json",
        [
            ("Your step: Count quantities", [FIX, tc("finish", summary="counted")]),
            ("Your step: Write a note", [NOTE, tc("finish", summary="noted")]),
        ],
    )
    job_id = run_job(repo, "quantities", deep, fast)
    page.goto(f"{server.url}/jobs/{job_id}/review")
    added = page.locator("tr.dl.add").first
    added.hover()
    added.locator(".cbtn").click()
    page.locator("tr.comment-row textarea").fill("explain this in a note")
    shoot(page, "review")
    page.get_by_role("button", name="Send as a revise round").click()

    page.locator("li.step[data-status=done]").nth(1).wait_for(timeout=120_000)
    page.locator("#job-status", has_text="succeeded").wait_for(timeout=120_000)
    page.goto(f"{server.url}/jobs/{job_id}/review")
    assert page.locator("section.step-review").count() == 2
    assert "Write a note" in page.locator("section.step-review").nth(1).inner_text()
    feedback = page.locator("pre.feedback").inner_text()
    assert "shopcart/cart.py line 26" in feedback and "explain this in a note" in feedback
    assert page.locator("text=NOTES.md").count() >= 1
    shoot(page, "review-after-revise")


def test_the_review_page_pushes_the_branch_to_origin(page, server, repo, tmp_path, home):
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    git(repo, "remote", "add", "origin", str(origin))
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
    )
    fast = fast_script(tmp_path / "fast.json", [("Your step: Count quantities", [FIX, tc("finish", summary="ok")])])
    job_id = run_job(repo, "quantities", deep, fast)
    with SqlStore(home / "sparkwright.db") as store:
        job = store.job(job_id)
    page.goto(f"{server.url}/jobs/{job_id}/review")
    page.get_by_role("button", name=f"Push {job.branch}").click()

    pushed = ""
    for _ in range(120):
        pushed = git(origin, "for-each-ref", "--format=%(objectname)", f"refs/heads/{job.branch}")
        if pushed:
            break
        page.wait_for_timeout(500)
    assert pushed == git(repo, "rev-parse", job.branch)


def test_the_job_page_shows_where_the_time_went_on_one_axis(page, server, repo, tmp_path, home):
    """Each model call, test run and tool call is a bar on one time axis; what none covers is ours, and it is said."""
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
    )
    slow_fix = [tc("view_file", path="shopcart/cart.py"), FIX, tc("finish", summary="ok")]
    fast = fast_script(tmp_path / "fast.json", [("Your step: Count quantities", slow_fix)], delay=0.4)
    job_id = run_job(repo, "quantities", deep, fast)
    page.goto(f"{server.url}/jobs/{job_id}")

    timeline = page.locator("#timeline")
    fast_bars = timeline.locator("svg[data-lane='fast model'] rect")
    assert fast_bars.count() == 3, "one bar per call of the fast model"
    assert "fast model" in fast_bars.first.locator("title").text_content()
    assert timeline.locator("svg[data-lane='tests'] rect").count() >= 2, "the check before the work and at finish"
    assert timeline.locator("svg[data-lane='candidates'] rect").count() == 1
    # The bars sit on one axis: the fast model's calls (0.4 s each) come one after another.
    starts = [float(fast_bars.nth(i).get_attribute("x")) for i in range(3)]
    assert starts == sorted(starts) and starts[2] - starts[0] > 0
    with SqlStore(home / "sparkwright.db") as store:
        model_seconds = sum(e.payload["latency_ms"] for e in store.events(job_id, ["model_call"])) / 1000
    own = float(timeline.locator("#own-time").text_content().split()[0])
    running = float(timeline.text_content().split(" of ")[1].split()[0])
    assert model_seconds >= 1.2 and 0 <= own <= running - model_seconds + 0.1
    shoot(page, "timeline")
