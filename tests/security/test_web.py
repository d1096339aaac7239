"""`serve` shows issue, model and diff text, and takes actions from a browser. Attacks: a hostile issue,
plan, model reply and diff rendered on every page (also as they arrive live); a cross-site form post; a
DNS-rebound Host; a request without the token when one is required."""

from __future__ import annotations

import re

import httpx
import pytest

from state import SqlStore
from tests.scripting import PLANNER, finish_review, plan, step, tc, write_script
from tests.web_fixtures import Server, page, run_job, server, shoot  # noqa: F401 (fixtures)

SCRIPT = "<script>window.pwned = 'script'</script>"
IMG = "<img src=x onerror=\"window.pwned = 'img'\">"
SVG = "<svg onload=\"window.pwned = 'svg'\"></svg>"
QUOTE = '"><b onmouseover="window.pwned=\'attr\'">'
HOSTILE = f"{SCRIPT} {IMG} {SVG} {QUOTE}"
CHECK = "test -f notes.html"


def hostile_job(repo, tmp_path, *flags: str) -> str:
    deep = write_script(
        tmp_path / "deep.json",
        [
            (
                PLANNER,
                [
                    plan(
                        step(f"Fix {IMG}", CHECK, instructions=f"{HOSTILE} Create notes.html.", files=["notes.html"]),
                        summary=HOSTILE,
                        test_command="true",
                    )
                ],
            ),
            finish_review(HOSTILE),
        ],
    )
    fast = write_script(
        tmp_path / "fast.json",
        [
            (
                "",
                [
                    {
                        "content": HOSTILE,
                        "tool_calls": [
                            {"name": "create_file", "args": {"path": "notes.html", "content": HOSTILE + "\n"}}
                        ],
                    },
                    tc("view_file", path="notes.html"),
                    tc("finish", summary=HOSTILE),
                ],
            )
        ],
    )
    return run_job(repo, f"Quantities {HOSTILE}", deep, fast, *flags)


def assert_inert(tab) -> None:
    assert tab.evaluate("window.pwned") is None
    assert tab.dialogs == []
    # The job page's own timeline is drawn in SVG, one per lane, with nothing but bars and their titles.
    ours = "#timeline > .timeline > svg.lane"
    assert tab.locator(f"img, svg:not({ours}), [onerror], [onload], [onmouseover]").count() == 0
    assert tab.locator(f"{ours} *:not(rect, title)").count() == 0
    assert tab.locator("script:not([src])").count() == 0
    assert "<script>window.pwned" in tab.locator("main").inner_text()  # shown, as text


@pytest.mark.browser
def test_hostile_text_renders_inert_on_every_page(page, server, repo, tmp_path):
    job_id = hostile_job(repo, tmp_path, "--approve-plan")
    page.goto(f"{server.url}/jobs/{job_id}")
    assert_inert(page)
    page.get_by_role("button", name="Approve and run").click()
    page.locator("#job-status", has_text="succeeded").wait_for(timeout=120_000)
    page.locator("ol.events li[data-kind=tool_call]").first.wait_for()  # the worker's events arrived live
    assert_inert(page)
    shoot(page, "xss-job")
    page.goto(f"{server.url}/jobs/{job_id}/review")
    page.locator("tr.dl.add").first.wait_for()
    assert_inert(page)
    shoot(page, "xss-review")
    page.goto(server.url + "/")
    assert "<script>window.pwned" in page.locator("td.title").inner_text()
    assert page.evaluate("window.pwned") is None
    assert page.locator("img, svg, [onerror], [onload]").count() == 0


def csrf_of(url: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', httpx.get(url).text)
    assert found
    return found.group(1)


def test_actions_need_a_form_of_our_own(server, repo, tmp_path, home):
    job_id = hostile_job(repo, tmp_path, "--approve-plan")
    steer = f"{server.url}/jobs/{job_id}/steer"
    token = csrf_of(f"{server.url}/jobs/{job_id}")
    forged = [
        ({"message": "rm -rf"}, {}),  # no token: a page of another site cannot read it
        ({"message": "rm -rf", "csrf": "guess"}, {}),
        ({"message": "rm -rf", "csrf": token}, {"Origin": "http://evil.example"}),
    ]
    for form, headers in forged:
        assert httpx.post(steer, data=form, headers=headers).status_code == 403
    assert httpx.post(f"{server.url}/jobs/{job_id}/approve", data={}).status_code == 403
    with SqlStore(home / "sparkwright.db") as store:
        assert store.unread_steering(job_id) == []
        assert store.job(job_id).status == "awaiting approval"

    ours = httpx.post(steer, data={"message": "look at cart.py", "csrf": token}, headers={"Origin": server.url})
    assert ours.status_code == 303
    with SqlStore(home / "sparkwright.db") as store:
        assert [text for _, text in store.unread_steering(job_id)] == ["look at cart.py"]


def test_a_rebound_host_name_is_refused(server):
    assert httpx.get(server.url + "/", headers={"Host": "attacker.example:8421"}).status_code == 421
    assert httpx.get(server.url + "/").status_code == 200


def test_with_a_token_every_page_asks_for_it(home, tmp_path):
    guarded = Server(tmp_path, "--token", "open-sesame")
    try:
        with httpx.Client(base_url=guarded.url) as client:
            assert client.get("/").headers["location"] == "/login"
            assert client.post("/jobs/x/steer", data={"message": "m"}).status_code == 401
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
            assert client.post("/login", data={"token": "guess", "csrf": csrf}).status_code == 401
            assert client.get("/").status_code == 303
            signed = client.post("/login", data={"token": "open-sesame", "csrf": csrf})
            assert signed.status_code == 303
            assert "httponly" in signed.headers["set-cookie"].lower()
            assert "samesite=strict" in signed.headers["set-cookie"].lower()
            assert client.get("/").status_code == 200
    finally:
        guarded.stop()
