"""Delivery: pushing a job branch to a real bare remote, and the draft PR sent to a loopback GitHub."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from agent.github.client import GitHubClient
from agent.github.clones import ensure_clone
from agent.github.delivery import (
    BranchNotFoundError,
    ForeignCommitsError,
    ProtectedBranchError,
    PushRejectedError,
    deliver,
    issue_branch_name,
    push_branch,
)
from agent.github.refs import IssueRef
from agent.repo import unused_branch
from tests.github_fake import FakeGitHub, git, make_remote, push_commit

TOKEN = "ghp_" + "d3liveryT0kenValue" * 2
BRANCH = "sparkwright/issue-7-parser-crashes"


@pytest.fixture
def remote(tmp_path) -> Path:
    return make_remote(tmp_path)


@pytest.fixture
def clone(tmp_path, remote) -> Path:
    return ensure_clone(str(remote), tmp_path / "cache")


def job_commits(clone: Path, branch: str = BRANCH, count: int = 2, start: str = "origin/main") -> list[str]:
    """Commits on `branch` as the job would make them, one per step."""
    base = git(clone, "rev-parse", start)
    git(clone, "checkout", "--quiet", "-B", branch, start)
    for i in range(count):
        (clone / f"step-{uuid.uuid4().hex[:8]}.txt").write_text(f"step {i}\n")
        git(clone, "add", "-A")
        git(clone, "commit", "--quiet", "-m", f"Step {i}")
    return git(clone, "rev-list", "--reverse", f"{base}..{branch}").split()


def remote_head(remote: Path, branch: str) -> str | None:
    out = git(remote, "ls-remote", str(remote), f"refs/heads/{branch}")
    return out.split()[0] if out else None


def test_push_creates_the_job_branch_then_fast_forwards(clone, remote):
    commits = job_commits(clone)
    first = push_branch(clone, BRANCH)
    assert (first.created, first.commit) == (True, commits[-1])
    assert remote_head(remote, BRANCH) == commits[-1]

    more = job_commits(clone, count=1, start=BRANCH)
    second = push_branch(clone, BRANCH)
    assert (second.created, remote_head(remote, BRANCH)) == (False, more[-1])
    assert push_branch(clone, BRANCH).up_to_date


def test_push_refuses_the_default_branch(clone, remote):
    before = remote_head(remote, "main")
    job_commits(clone, branch="main")
    with pytest.raises(ProtectedBranchError, match="refusing to push 'main'"):
        push_branch(clone, "main")
    assert remote_head(remote, "main") == before


def test_push_refuses_a_default_branch_read_from_the_remote(tmp_path):
    remote = make_remote(tmp_path, default_branch="develop")
    clone = ensure_clone(str(remote), tmp_path / "cache")
    job_commits(clone, branch="develop", start="origin/develop")
    with pytest.raises(ProtectedBranchError):
        push_branch(clone, "develop")
    with pytest.raises(ProtectedBranchError):
        push_branch(clone, "trunk", default_branch="trunk")


def test_push_refuses_to_overwrite_commits_the_job_did_not_make(clone, remote):
    job_commits(clone)
    foreign = push_commit(remote, BRANCH, "theirs.txt", "mine, not the job's\n", "Someone else's work")
    with pytest.raises(ForeignCommitsError) as caught:
        push_branch(clone, BRANCH)
    assert "commits this job did not make" in str(caught.value) and "\n" not in str(caught.value)
    assert remote_head(remote, BRANCH) == foreign


def test_rejected_push_is_one_clear_line(clone, remote):
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'branch creation is frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    job_commits(clone)
    with pytest.raises(PushRejectedError) as caught:
        push_branch(clone, BRANCH)
    message = str(caught.value)
    assert "was rejected" in message and "pre-receive hook declined" in message and "\n" not in message
    assert remote_head(remote, BRANCH) is None


def test_push_of_a_missing_branch(clone):
    with pytest.raises(BranchNotFoundError, match="no local branch"):
        push_branch(clone, "sparkwright/nope")


def test_push_with_a_token_leaves_no_trace_in_the_repository(clone, remote):
    job_commits(clone)
    push_branch(clone, BRANCH, str(remote), token=TOKEN)
    assert remote_head(remote, BRANCH)
    assert TOKEN not in (clone / ".git" / "config").read_text()


def open_draft(clone: Path, title: str, body: str, token: str = TOKEN, api_token: str | None = TOKEN):
    """`deliver` against a loopback GitHub: the PR's URL and the JSON of the one PR request it sent."""
    with FakeGitHub(token=TOKEN) as fake, GitHubClient(api_base=fake.api_base, token=api_token) as client:
        fake.add_repo("acme", "widgets", clone_url="unused")
        result = deliver(clone, BRANCH, title, body, token=token, github=client, issue=IssueRef("acme", "widgets", 7))
        [request] = fake.requests_to("/repos/acme/widgets/pulls", "POST")
    assert request.headers.get("authorization") == (f"Bearer {api_token}" if api_token else None)
    return result.pull_request_url, request.json


def test_deliver_pushes_then_opens_a_draft_pull_request_with_the_body(clone, remote):
    commits = job_commits(clone)
    body = "Fixes #7\n\n## Steps\n\n" + "\n".join(f"1. `{c[:7]}` a step" for c in commits)
    url, payload = open_draft(clone, "Parser crashes on empty input", body)
    assert url == "https://github.com/acme/widgets/pull/1000"
    assert remote_head(remote, BRANCH) == commits[-1]
    assert payload == {
        "title": "Parser crashes on empty input",
        "head": BRANCH,
        "base": "main",
        "body": body,
        "draft": True,
    }


def test_deliver_keeps_tokens_out_of_the_pull_request(clone):
    job_commits(clone)
    secret = "plain-push-secret"  # not token-shaped, and the API client has no token: only deliver can hide it
    body = f"plan mentioning {secret}\n`echo {TOKEN}`\n"
    _, payload = open_draft(clone, f"title with {secret}", body, token=secret, api_token=None)
    assert secret not in str(payload) and TOKEN not in str(payload)
    assert payload["body"] == "plan mentioning ***\n`echo ***`\n" and payload["title"] == "title with ***"


def test_deliver_cuts_a_body_too_long_for_github(clone):
    job_commits(clone)
    _, payload = open_draft(clone, "t", "x" * 70_000)
    assert len(payload["body"]) < 65_536 and payload["body"].endswith("…(truncated)\n")


def test_issue_branch_name():
    assert issue_branch_name(7, "Parser crashes on empty input!") == "sparkwright/issue-7-parser-crashes-on-empty-input"
    assert issue_branch_name(8, "¿¡") == "sparkwright/issue-8"
    long = issue_branch_name(9, "word " * 30)
    assert len(long) <= len("sparkwright/issue-9-") + 40 and not long.endswith("-")


def test_a_taken_branch_name_gets_the_next_free_number():
    name = issue_branch_name(7, "Parser crashes")
    assert unused_branch(name, {"main"}) == name
    assert unused_branch(name, {name, f"{name}-2", "main"}) == f"{name}-3"
