"""Intake: issue URLs, the REST client against a real loopback server, and the clone cache."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from agent.github.client import GitHubClient, token_from_env
from agent.github.clones import CloneError, cache_path, ensure_clone
from agent.github.refs import (
    AuthError,
    GitHubAPIError,
    GitHubNetworkError,
    IssueRef,
    IssueURLError,
    NotAnIssueError,
    NotFoundError,
    PullRequestURLError,
    RateLimitError,
    api_base_for_host,
    parse_issue_url,
)
from agent.redact import redact
from tests.github_fake import FakeGitHub, git, make_remote, push_commit

TOKEN = "ghp_" + "s3cr3tT0kenValue" * 2
REF = IssueRef("acme", "widgets", 7)


@pytest.fixture
def fake():
    with FakeGitHub(token=TOKEN) as server:
        server.add_repo("acme", "widgets", clone_url="/nowhere/acme/widgets.git")
        server.add_issue(
            "acme",
            "widgets",
            7,
            title="Parser crashes on empty input",
            body="Steps: run `widgets parse ''`.",
            labels=["bug", "parser"],
            comments=[("ann", "Same here."), ("bob", "Probably the tokenizer.")],
        )
        yield server


# -- URL parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/widgets/issues/7",
        "https://github.com/acme/widgets/issues/7/",
        "https://github.com/acme/widgets/issues/7#issuecomment-123456",
        "https://github.com/acme/widgets/issues/7?utm_source=x#top",
        "  http://www.github.com/acme/widgets/issues/7  ",
        "github.com/acme/widgets/issues/7",
    ],
)
def test_parse_issue_url_accepts_variants(url):
    assert parse_issue_url(url) == REF


def test_parse_issue_url_accepts_a_configured_enterprise_host():
    ref = parse_issue_url("https://git.corp.example/acme/widgets/issues/7", ["https://git.corp.example/"])
    assert ref == REF
    assert api_base_for_host("git.corp.example") == "https://git.corp.example/api/v3"
    assert api_base_for_host("github.com") == "https://api.github.com"


def test_parse_issue_url_refuses_pull_requests():
    with pytest.raises(PullRequestURLError, match="is a pull request, not an issue: pass the issue's URL"):
        parse_issue_url("https://github.com/acme/widgets/pull/8")


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/acme/widgets/issues/7",
        "https://git.corp.example/acme/widgets/issues/7",  # Enterprise host not configured
        "ftp://github.com/acme/widgets/issues/7",
        "https://github.com/acme/widgets",
        "https://github.com/acme/widgets/issues",
        "https://github.com/acme/widgets/issues/new",
        "https://github.com/acme/widgets/issues/0",
        "https://github.com/acme/widgets/issues/7/extra",
        "https://github.com/-acme/widgets/issues/7",
        "not a url",
        "",
    ],
)
def test_parse_issue_url_refuses_others_in_one_line(url):
    with pytest.raises(IssueURLError) as caught:
        parse_issue_url(url)
    assert "\n" not in str(caught.value) and "issues/N" in str(caught.value)


# -- REST client ---------------------------------------------------------------------------


def test_fetch_issue_with_labels_and_comments(fake):
    with GitHubClient(api_base=fake.api_base) as client:
        issue = client.fetch_issue(REF)
    assert issue.title == "Parser crashes on empty input"
    assert issue.labels == ("bug", "parser")
    assert [(c.author, c.body) for c in issue.comments] == [("ann", "Same here."), ("bob", "Probably the tokenizer.")]
    assert issue.html_url == "https://github.com/acme/widgets/issues/7" and issue.state == "open"
    assert "Probably the tokenizer." in issue.as_task() and "Labels: bug, parser" in issue.as_task()
    assert "authorization" not in fake.requests[0].headers


def test_fetch_issue_follows_comment_pages(fake):
    fake.add_issue("acme", "widgets", 9, title="Chatty", comments=[(f"u{i}", f"c{i}") for i in range(150)])
    with GitHubClient(api_base=fake.api_base) as client:
        issue = client.fetch_issue(IssueRef("acme", "widgets", 9))
    assert [c.body for c in issue.comments] == [f"c{i}" for i in range(150)]
    assert len(fake.requests_to("/repos/acme/widgets/issues/9/comments")) == 2


def test_fetch_issue_refuses_a_pull_request_number(fake):
    fake.add_issue("acme", "widgets", 8, title="A PR", is_pull_request=True)
    with GitHubClient(api_base=fake.api_base) as client, pytest.raises(NotAnIssueError, match="pull request"):
        client.fetch_issue(IssueRef("acme", "widgets", 8))


def test_token_is_sent_and_never_shown(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.add_repo("acme", "secret", clone_url="/x/acme/secret.git", private=True)
    fake.add_issue("acme", "secret", 1, title="Hidden")
    client = GitHubClient(api_base=fake.api_base, token=TOKEN)
    assert client.fetch_issue(IssueRef("acme", "secret", 1)).title == "Hidden"
    assert fake.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(client)
    fake.fail("/repos/acme/secret/issues/2", 500, message=f"echoing {TOKEN}")
    with pytest.raises(GitHubAPIError) as caught:
        client.fetch_issue(IssueRef("acme", "secret", 2))
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)
    client.close()
    assert "HTTP Request" in caplog.text and TOKEN not in caplog.text


def test_wrong_token_is_an_auth_error_without_the_token(fake):
    with GitHubClient(api_base=fake.api_base, token=TOKEN + "x") as client, pytest.raises(AuthError) as caught:
        client.fetch_issue(REF)
    assert "GITHUB_TOKEN" in str(caught.value) and TOKEN not in str(caught.value)


def test_private_issue_without_token_says_set_github_token(fake):
    fake.add_repo("acme", "secret", clone_url="/x/acme/secret.git", private=True)
    fake.add_issue("acme", "secret", 1, title="Hidden")
    with GitHubClient(api_base=fake.api_base) as client, pytest.raises(NotFoundError) as caught:
        client.fetch_issue(IssueRef("acme", "secret", 1))
    assert "GITHUB_TOKEN" in str(caught.value) and "acme/secret#1" in str(caught.value)


def test_rate_limit_says_when_it_resets_in_local_time(fake):
    reset = int(time.time()) + 3600
    fake.rate_limit("/repos/acme/widgets/issues/7", reset)
    with GitHubClient(api_base=fake.api_base) as client, pytest.raises(RateLimitError) as caught:
        client.fetch_issue(REF)
    local = datetime.fromtimestamp(reset).astimezone()
    assert local.strftime("%H:%M:%S") in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.reset_at == local


def test_secondary_rate_limit_with_retry_after(fake):
    fake.fail("/repos/acme/widgets/issues/7", 429, headers={"retry-after": "60"})
    with GitHubClient(api_base=fake.api_base) as client, pytest.raises(RateLimitError, match="retry in 60 seconds"):
        client.fetch_issue(REF)


def test_server_error_is_one_line(fake):
    fake.fail("/repos/acme/widgets", 500, message="Internal\nServer Error")
    with GitHubClient(api_base=fake.api_base) as client, pytest.raises(GitHubAPIError) as caught:
        client.get_repo(REF)
    assert caught.value.status == 500 and "\n" not in str(caught.value)


def test_network_failure_is_one_line_naming_the_api_base():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    api_base = f"http://127.0.0.1:{closed_port}"
    with GitHubClient(api_base=api_base, token=TOKEN, timeout=2) as client, pytest.raises(GitHubNetworkError) as caught:
        client.fetch_issue(REF)
    message = str(caught.value)
    assert api_base in message and "\n" not in message and TOKEN not in message


def test_get_repo_and_draft_pull_request(fake):
    with GitHubClient(api_base=fake.api_base, token=TOKEN) as client:
        repo = client.get_repo(REF)
        url = client.create_draft_pull_request(REF, head="sparkwright/issue-7", base="main", title="Fix", body="Hi")
    assert (repo.default_branch, repo.clone_url) == ("main", "/nowhere/acme/widgets.git")
    assert url == "https://github.com/acme/widgets/pull/1000"
    [request] = fake.requests_to("/repos/acme/widgets/pulls", "POST")
    assert request.json == {"title": "Fix", "head": "sparkwright/issue-7", "base": "main", "body": "Hi", "draft": True}


def test_duplicate_pull_request_reports_githubs_reason(fake):
    with GitHubClient(api_base=fake.api_base, token=TOKEN) as client:
        client.create_draft_pull_request(REF, head="b", base="main", title="Fix", body="")
        with pytest.raises(GitHubAPIError, match="A pull request already exists"):
            client.create_draft_pull_request(REF, head="b", base="main", title="Fix", body="")


def test_token_from_env_prefers_github_token():
    assert token_from_env({"GH_TOKEN": "b", "GITHUB_TOKEN": "a"}) == "a"
    assert token_from_env({"GITHUB_TOKEN": "  ", "GH_TOKEN": "b"}) == "b"
    assert token_from_env({}) is None


def test_redact_hides_given_and_token_shaped_secrets():
    assert redact(f"x {TOKEN} y github_pat_{'A' * 30} z", "plain-secret") == "x *** y *** z"
    assert redact("a plain-secret b", "plain-secret") == "a *** b"


# -- clone cache ---------------------------------------------------------------------------


def test_clone_cache_reuses_the_clone_and_fetches_new_commits(tmp_path):
    remote = make_remote(tmp_path)
    cache = tmp_path / "cache"
    clone = ensure_clone(str(remote), cache)
    assert clone == cache / "acme" / "widgets" and (clone / "README.md").exists()
    marker = clone / ".git" / "sparkwright-marker"
    marker.write_text("first clone")
    new_commit = push_commit(remote, "main", "NEWS.md", "news\n", "Add news")

    assert ensure_clone(str(remote), cache) == clone
    assert marker.read_text() == "first clone"  # reused, not re-cloned
    assert git(clone, "rev-parse", "origin/main") == new_commit


def test_failed_clone_leaves_nothing_behind(tmp_path):
    with pytest.raises(CloneError) as caught:
        ensure_clone(str(tmp_path / "remotes" / "acme" / "missing.git"), tmp_path / "cache")
    assert "could not clone" in str(caught.value) and "\n" not in str(caught.value)
    assert list((tmp_path / "cache" / "acme").iterdir()) == []


def test_clone_killed_midway_is_never_reused(tmp_path):
    remote = make_remote(tmp_path)
    url = remote.as_uri()  # file:// runs upload-pack, where the hook below can stall the clone
    started = tmp_path / "clone-started"
    hook = tmp_path / "stall.sh"
    hook.write_text(f'#!/bin/sh\ntouch "{started}"\nsleep 60\nexec "$@"\n')
    hook.chmod(0o755)
    config = tmp_path / "gitconfig"
    config.write_text(f"[uploadpack]\n\tpackObjectsHook = {hook}\n")
    cache = tmp_path / "cache"
    script = "import sys, pathlib, agent.github.clones as c; c.ensure_clone(sys.argv[1], pathlib.Path(sys.argv[2]))"
    env = os.environ | {"GIT_CONFIG_GLOBAL": str(config)}
    command = [sys.executable, "-c", script, url, str(cache)]
    child = subprocess.Popen(command, env=env, cwd=Path(__file__).parents[1], start_new_session=True)
    try:
        _wait_for(started, child)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    target = cache_path(url, cache)
    assert not target.exists() and any(target.parent.glob(".widgets.partial-*"))

    clone = ensure_clone(url, cache)
    assert (clone / "README.md").exists() and git(clone, "status", "--porcelain") == ""
    assert not any(target.parent.glob(".widgets.partial-*"))


def test_clone_over_https_sends_the_token_but_never_stores_it(tmp_path, fake, caplog):
    caplog.set_level(logging.DEBUG)
    remote = make_remote(tmp_path, repo="secret")
    url = fake.serve_git("acme", "secret", remote, private=True)
    cache = tmp_path / "cache"
    with pytest.raises(CloneError, match="GITHUB_TOKEN"):
        ensure_clone(url, cache)
    assert list((cache / "acme").iterdir()) == []

    clone = ensure_clone(url, cache, token=TOKEN)
    assert (clone / "README.md").exists()
    assert any(r.headers.get("authorization", "").startswith("Basic ") for r in fake.requests)
    config = (clone / ".git" / "config").read_text()
    assert TOKEN not in config and "Basic" not in config and "extraheader" not in config
    assert git(clone, "remote", "get-url", "origin") == url
    assert "git" in caplog.text and TOKEN not in caplog.text


def test_clone_with_a_wrong_token_does_not_show_it(tmp_path, fake):
    url = fake.serve_git("acme", "secret", make_remote(tmp_path, repo="secret"), private=True)
    with pytest.raises(CloneError) as caught:
        ensure_clone(url, tmp_path / "cache", token=TOKEN + "wrong")
    assert TOKEN not in str(caught.value)


def test_cache_refuses_a_clone_of_another_remote(tmp_path):
    ensure_clone(str(make_remote(tmp_path)), tmp_path / "cache")
    other = make_remote(tmp_path / "elsewhere")
    with pytest.raises(CloneError, match="remove it or use another cache directory"):
        ensure_clone(str(other), tmp_path / "cache")


def _wait_for(path: Path, child: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert child.poll() is None, "the clone ended before it could be interrupted"
        assert time.monotonic() < deadline, "the clone never reached the stalling hook"
        time.sleep(0.05)
