"""A GitHub issue URL as a job, end to end: a loopback GitHub, a local bare remote, the real CLI and scripted models."""

from __future__ import annotations

import base64
import json
import logging
import socket
from datetime import datetime
from pathlib import Path

import pytest

from state.models import utcnow
from tests.conftest import git, make_repo
from tests.github_fake import FakeGitHub, push_commit
from tests.scripting import PLANNER, finish_review, note_step, plan, step, tc, write_note, write_script

TOKEN = "ghp_" + "Sp4rkwrightJ0bT0ken" * 2
URL = "https://github.com/acme/shopcart/issues/7"
TITLE = "Cart total ignores item quantities"
BRANCH = "sparkwright/issue-7-cart-total-ignores-item-quantities"
QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
FIX = {
    "path": "shopcart/cart.py",
    "old_text": "sum(item.price_cents for item in self.items)",
    "new_text": "sum(item.price_cents * item.quantity for item in self.items)",
}


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """The project on "GitHub": a bare repository whose main holds the shopcart example."""
    bare = tmp_path / "remotes" / "acme" / "shopcart.git"
    git(tmp_path, "clone", "-q", "--bare", str(make_repo(tmp_path / "upstream")), str(bare))
    return bare


@pytest.fixture
def github(remote: Path, monkeypatch: pytest.MonkeyPatch):
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo("acme", "shopcart", clone_url=str(remote))
        fake.add_issue(
            "acme",
            "shopcart",
            7,
            title=TITLE,
            body="Two mugs cost the price of one.",
            labels=["bug"],
            comments=[("ann", "Subtotal should multiply by quantity.")],
        )
        monkeypatch.setenv("SPARKWRIGHT_GITHUB_API", fake.api_base)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.delenv("GH_TOKEN", raising=False)
        yield fake


def fixing_scripts(tmp: Path) -> tuple[str, str]:
    """One step that fixes the bug; the worker also runs `env`, so the record shows what the sandbox saw."""
    deep = write_script(
        tmp / "deep.json",
        [
            (
                PLANNER,
                [
                    plan(
                        step("Count quantities in the subtotal", QTY_CHECK, files=["shopcart/cart.py"]),
                        summary="Multiply each item's price by its quantity.",
                    )
                ],
            ),
            finish_review("Subtotal counts every unit."),
        ],
    )
    fast = write_script(
        tmp / "fast.json",
        [
            (
                "Your step",
                [
                    tc("run", command="env; echo token=[$GITHUB_TOKEN$GH_TOKEN]"),
                    tc("edit_file", **FIX),
                    tc("finish", summary="multiply by quantity"),
                ],
            ),
        ],
    )
    return deep, fast


def quick_scripts(tmp: Path, check: str = "") -> tuple[str, str]:
    """A one-step job that takes a second: the worker writes a note, committed when `check` (then the note's) passes."""
    noted = note_step("Write a note")
    if check:
        noted["check"] = f"{check} && {noted['check']}"
    deep = write_script(tmp / "quick-deep.json", [(PLANNER, [plan(noted, test_command="true")]), finish_review()])
    fast = write_script(tmp / "quick-fast.json", [("Your step", [write_note(), tc("finish", summary="a note")])])
    return deep, fast


def run(cli, tmp: Path, *args: str, scripts: tuple[str, str] | None = None):
    deep, fast = scripts or quick_scripts(tmp)
    return cli("run", *args, "--deep-model", deep, "--fast-model", fast, "--json")


def remote_head(remote: Path, branch: str) -> str | None:
    out = git(remote, "ls-remote", str(remote), f"refs/heads/{branch}")
    return out.split()[0] if out else None


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error:") and "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message


def assert_nothing_made(store, home: Path) -> None:
    assert store.jobs() == []
    assert not list(home.glob("worktrees/*"))
    assert not list(home.glob("repos/*/.*.partial-*"))


# -- success ----------------------------------------------------------------------------------


def test_issue_url_becomes_a_job_pushed_with_a_draft_pull_request(cli, github, remote, store, home, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    result = run(cli, tmp_path, URL + "#issuecomment-1", "--push", "--pr", scripts=fixing_scripts(tmp_path))

    assert result.exit_code == 0, result.output
    [job] = store.jobs()
    assert (job.status, job.branch, job.issue_url, job.issue_title) == ("succeeded", BRANCH, URL, TITLE)
    assert "Two mugs" in job.issue_text and "Labels: bug" in job.issue_text and "@ann" in job.issue_text
    assert [c["author"] for c in job.issue_comments] == ["ann"]
    assert Path(job.repo_path) == home / "repos" / "acme" / "shopcart"
    assert job.base_commit == git(remote, "rev-parse", "main")
    [done] = store.steps(job.id)
    assert remote_head(remote, BRANCH) == done.commit_sha
    [pull] = github.pulls
    assert (pull["head"], pull["base"], pull["title"], pull["draft"]) == (BRANCH, "main", TITLE, True)
    body = pull["body"]
    assert "Fixes #7" in body.splitlines() and f"(<{URL}>)" in body, "closes the issue, links to it"
    assert "Multiply each item's price by its quantity." in body
    pushed = git(remote, "rev-list", "--reverse", f"{job.base_commit}..{BRANCH}").split()
    assert pushed == [done.commit_sha]
    assert all(f"{n}. `{sha[:7]}` Count quantities in the subtotal" in body for n, sha in enumerate(pushed, 1))
    assert "`python3 -m pytest -q` ✅ passed" in body
    pr_url = "https://github.com/acme/shopcart/pull/1000"
    assert f"draft pull request: {pr_url}" in result.stderr
    assert [e.payload["pull_request"] for e in store.events(job.id, kinds=["delivered"])] == [pr_url]
    assert_token_nowhere(github, store, job, home, result.output + caplog.text)


def assert_token_nowhere(github, store, job, home: Path, output: str) -> None:
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert any(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in github.requests), "the token was used"
    sandbox_env = next(
        e.payload["output"]
        for e in store.events(job.id, kinds=["tool_call"])
        if "token=[" in e.payload.get("output", "")
    )
    assert "token=[]" in sandbox_env
    events = json.dumps([e.payload for e in store.events(job.id)])
    [pr_request] = github.requests_to("/repos/acme/shopcart/pulls", "POST")
    db_bytes = b"".join(p.read_bytes() for p in home.glob("sparkwright.db*"))
    git_config = (Path(job.repo_path) / ".git" / "config").read_text()
    for secret in (TOKEN, basic):
        assert secret.encode() not in db_bytes
        assert secret not in events and secret not in json.dumps(pr_request.json)
        assert secret not in output and secret not in git_config


def test_a_second_job_on_the_issue_reuses_the_clone_fetches_and_gets_its_own_branch(
    cli, github, remote, store, tmp_path
):
    assert run(cli, tmp_path, URL).exit_code == 0
    upstream = push_commit(remote, "main", "NEWS.md", "news\n", "Upstream moves on")

    assert run(cli, tmp_path, URL).exit_code == 0

    second, first = store.jobs()
    assert (first.branch, second.branch) == (BRANCH, BRANCH + "-2")
    assert first.repo_path == second.repo_path
    assert second.base_commit == upstream
    assert git(Path(first.repo_path), "rev-parse", f"{first.branch}~1") == first.base_commit


def test_repo_option_uses_an_existing_clone_based_on_origin_default_branch(cli, github, remote, store, home, tmp_path):
    mine = tmp_path / "mine"
    git(tmp_path, "clone", "-q", str(remote), str(mine))
    git(mine, "-c", "user.name=me", "-c", "user.email=me@example.com", "commit", "-q", "--allow-empty", "-m", "wip")

    result = run(cli, tmp_path, URL, "--repo", mine)

    assert result.exit_code == 0, result.output
    [job] = store.jobs()
    assert Path(job.repo_path) == mine.resolve()
    assert job.base_commit == git(remote, "rev-parse", "main") != git(mine, "rev-parse", "HEAD")
    assert job.branch == BRANCH and git(mine, "rev-parse", "--verify", BRANCH)
    assert not (home / "repos").exists()


# -- push --------------------------------------------------------------------------------------


def test_push_is_refused_when_the_remote_branch_has_foreign_commits(cli, github, remote, store, tmp_path):
    assert run(cli, tmp_path, URL).exit_code == 0
    [job] = store.jobs()
    foreign = push_commit(remote, job.branch, "theirs.txt", "not the job's\n", "Someone else's work")

    result = cli("push", job.id, "--pr")

    assert_one_line_error(result, "commits this job did not make", job.branch)
    assert remote_head(remote, job.branch) == foreign
    assert github.pulls == []


def test_push_then_pr_from_the_push_command(cli, github, remote, store, tmp_path):
    assert run(cli, tmp_path, URL).exit_code == 0
    [job] = store.jobs()
    assert cli("push", job.id).exit_code == 0
    assert remote_head(remote, job.branch) == store.steps(job.id)[0].commit_sha and github.pulls == []

    result = cli("push", job.id, "--pr")

    assert result.exit_code == 0, result.output
    assert "already up to date" in result.stderr and "Fixes #7" in github.pulls[0]["body"].splitlines()


def test_pr_for_an_enterprise_issue_still_fixes_it(cli, github, store, tmp_path, monkeypatch):
    assert run(cli, tmp_path, URL).exit_code == 0
    [job] = store.jobs()
    store.update_job(job.id, issue_url="https://git.corp.example/acme/shopcart/issues/7")
    monkeypatch.setenv("SPARKWRIGHT_GITHUB_HOSTS", '["git.corp.example"]')

    result = cli("push", job.id, "--pr")

    assert result.exit_code == 0, result.output
    assert "Fixes #7" in github.pulls[0]["body"].splitlines()


def test_push_refuses_jobs_without_commits_and_running_jobs(cli, github, remote, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")
    assert run(cli, tmp_path, URL, "--push", scripts=quick_scripts(tmp_path, check="false")).exit_code == 1
    [job] = store.jobs()
    assert remote_head(remote, job.branch) is None, "a failed job is not pushed by --push"

    assert_one_line_error(cli("push", job.id), "has no commits")
    store.update_job(job.id, status="running", lease_owner="elsewhere:1", heartbeat_at=utcnow())
    assert_one_line_error(cli("push", job.id, "--pr"), "still running")


def test_pr_needs_an_issue_url(cli, repo, store, home, tmp_path):
    result = run(cli, tmp_path, "--repo", repo, "--issue", "Fix it", "--pr")
    assert_one_line_error(result, "--pr needs a GitHub issue URL")
    assert_nothing_made(store, home)


# -- intake errors: one line, exit 2, no job ------------------------------------------------------


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("https://github.com/acme/shopcart/issue/7", "malformed issue URL"),
        ("https://gitlab.com/acme/shopcart/issues/7", "not a GitHub issue URL"),
        ("https://github.com/acme/shopcart/pull/7", "is a pull request, not an issue"),
        ("https://github.com/acme/shopcart/issues/99", "issue acme/shopcart#99 not found"),
    ],
)
def test_bad_urls_and_missing_issues(cli, github, store, home, tmp_path, url, fragment):
    assert_one_line_error(run(cli, tmp_path, url), fragment)
    assert_nothing_made(store, home)


def test_private_repository_without_a_token(cli, github, remote, store, home, tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    github.add_repo("acme", "secret", clone_url=str(remote), private=True)
    github.add_issue("acme", "secret", 1, title="Hidden")
    assert_one_line_error(
        run(cli, tmp_path, "https://github.com/acme/secret/issues/1"), "not found", "set GITHUB_TOKEN"
    )
    assert_nothing_made(store, home)


def test_rate_limit_says_when_it_resets(cli, github, store, home, tmp_path):
    reset = int(datetime.now().timestamp()) + 600
    github.rate_limit("/repos/acme/shopcart/issues/7", reset)
    local = datetime.fromtimestamp(reset).astimezone().strftime("%H:%M:%S")
    assert_one_line_error(run(cli, tmp_path, URL), "rate limit exceeded", "resets at", local)
    assert_nothing_made(store, home)


def test_network_failure(cli, github, store, home, tmp_path, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("SPARKWRIGHT_GITHUB_API", closed)
    assert_one_line_error(run(cli, tmp_path, URL), f"cannot reach the GitHub API at {closed}")
    assert_nothing_made(store, home)


def test_clone_failure(cli, github, store, home, tmp_path):
    github.add_repo("acme", "shopcart", clone_url=str(tmp_path / "gone" / "acme" / "shopcart.git"))
    assert_one_line_error(run(cli, tmp_path, URL), "could not clone")
    assert_nothing_made(store, home)
    assert not (home / "repos" / "acme" / "shopcart").exists()
