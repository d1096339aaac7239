"""Delivery: pushing a job branch to a real bare remote, and the draft PR sent to a loopback GitHub."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from agent.delivery import (
    BranchNotFoundError,
    DeliveryReport,
    ForeignCommitsError,
    ProtectedBranchError,
    PushRejectedError,
    StepRecord,
    Verification,
    deliver,
    issue_branch_name,
    pr_body,
    push_branch,
)
from agent.github import GitHubClient, IssueRef
from agent.repo_cache import ensure_clone
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


def report(commits: list[str]) -> DeliveryReport:
    return DeliveryReport(
        title="Parser crashes on empty input",
        issue_number=7,
        plan_summary="Guard the tokenizer against empty input, then test it.",
        steps=[StepRecord("Guard empty input", commits[0]), StepRecord("Add a regression test", commits[1])],
        verifications=[Verification("python -m pytest -q", True, "12 passed in 0.4s")],
        job_id="j-42",
    )


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


def test_pr_body_has_fixes_steps_with_hashes_and_test_evidence():
    commits = ["a" * 40, "b" * 40]
    body = pr_body(report(commits))
    assert body.startswith("Fixes #7\n")
    assert "Guard the tokenizer against empty input" in body
    assert "1. `aaaaaaa` Guard empty input" in body and "2. `bbbbbbb` Add a regression test" in body
    assert "`python -m pytest -q` ✅ passed: 12 passed in 0.4s" in body


def test_pr_body_never_contains_tokens():
    leaky = DeliveryReport("t", 7, f"plan mentioning {TOKEN}", [StepRecord("echo $GITHUB_TOKEN=other-secret", None)])
    body = pr_body(leaky, "other-secret")
    assert TOKEN not in body and "other-secret" not in body and "(no commit)" in body


def test_deliver_pushes_and_opens_a_draft_pull_request(clone, remote):
    commits = job_commits(clone)
    with FakeGitHub(token=TOKEN) as fake, GitHubClient(api_base=fake.api_base, token=TOKEN) as client:
        fake.add_repo("acme", "widgets", clone_url=str(remote))
        issue = IssueRef("acme", "widgets", 7)
        result = deliver(clone, BRANCH, report(commits), token=TOKEN, github=client, issue=issue)
        [request] = fake.requests_to("/repos/acme/widgets/pulls", "POST")
    assert result.pull_request_url == "https://github.com/acme/widgets/pull/1000"
    assert remote_head(remote, BRANCH) == commits[-1]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    payload = request.json
    assert (payload["draft"], payload["head"], payload["base"]) == (True, BRANCH, "main")
    assert "Fixes #7" in payload["body"] and TOKEN not in payload["body"]
    assert all(f"`{c[:7]}`" in payload["body"] for c in commits)


def test_issue_branch_name():
    assert issue_branch_name(7, "Parser crashes on empty input!") == "sparkwright/issue-7-parser-crashes-on-empty-input"
    assert issue_branch_name(8, "¿¡") == "sparkwright/issue-8"
    long = issue_branch_name(9, "word " * 30)
    assert len(long) <= len("sparkwright/issue-9-") + 40 and not long.endswith("-")
