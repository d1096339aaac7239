"""Delivering a job: push its branch safely, and open a draft pull request with a given body.

Safety rules: never push to the default branch (nor main/master), never force: a remote branch
that holds commits the local branch lacks is left alone with a clear refusal.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from agent.errors import UserError
from agent.github.client import GitHubClient
from agent.github.refs import GITHUB_WEB_HOST, IssueRef
from agent.issue import fit_pull_request_body, slugify
from agent.redact import redact
from agent.repo import GitFailed, run_git, safe_url

ALWAYS_PROTECTED = ("main", "master")
BRANCH_PREFIX = "sparkwright/"


class DeliveryError(UserError):
    """Base of delivery errors; the message is one line saying what to do."""


class ProtectedBranchError(DeliveryError):
    """The branch is the remote's default branch (or main/master)."""


class BranchNotFoundError(DeliveryError):
    """The local branch to push does not exist."""


class ForeignCommitsError(DeliveryError):
    """The remote branch has commits the local branch does not contain; pushing would drop them."""


class PushRejectedError(DeliveryError):
    """The remote refused the push (hook, permissions, a race), or could not be reached."""


@dataclass(frozen=True)
class PushResult:
    branch: str
    commit: str
    """The full hash the remote branch now points at."""
    created: bool
    """True when the remote branch did not exist before."""
    up_to_date: bool = False
    """True when the remote already had exactly this commit (nothing was sent)."""


@dataclass(frozen=True)
class Delivery:
    push: PushResult
    pull_request_url: str | None


def issue_branch_name(number: int, title: str) -> str:
    """`sparkwright/issue-N-<slug of title>`, the slug at most 40 characters."""
    slug = slugify(title, 40, empty="")
    return f"{BRANCH_PREFIX}issue-{number}" + (f"-{slug}" if slug else "")


class TokenHostError(DeliveryError):
    """The remote is reached over http(s) but is not the job's GitHub host over https."""


def push_branch(
    repo_path: Path,
    branch: str,
    remote: str = "origin",
    token: str | None = None,
    default_branch: str | None = None,
    token_hosts: Collection[str] = (GITHUB_WEB_HOST,),
) -> PushResult:
    """Pushes local `branch` to the same name on `remote` (a remote name, URL or path), never forcing.

    `default_branch` is refused; when None it is read from the remote's HEAD. main and master are
    always refused. A remote branch that is not an ancestor of the local one is refused. The token
    goes only to `https://` one of `token_hosts`; another http(s) remote is refused while a token is set.
    """
    url = _remote_url(repo_path, remote)
    token = token_for(url, token, token_hosts)
    protected = {*ALWAYS_PROTECTED, default_branch or _remote_default_branch(repo_path, remote, url, token)}
    if branch in protected:
        raise ProtectedBranchError(
            f"refusing to push {branch!r}: it is the default or a main branch; push the job's own branch"
        )
    local = _local_commit(repo_path, branch)
    remote_commit = _remote_commit(repo_path, remote, branch, url, token)
    if remote_commit == local:
        return PushResult(branch, local, created=False, up_to_date=True)
    if remote_commit and not _is_ancestor(repo_path, remote_commit, local):
        raise ForeignCommitsError(
            f"remote branch {branch!r} on {safe_url(url)} has commits this job did not make:"
            " refusing to overwrite it; rename the job branch or reconcile the remote branch by hand"
        )
    try:
        run_git(["push", "--", remote, f"refs/heads/{branch}:refs/heads/{branch}"], repo_path, url=url, token=token)
    except GitFailed as exc:
        raise PushRejectedError(f"push of {branch!r} to {safe_url(url)} was rejected: {exc.reason}") from None
    return PushResult(branch, local, created=remote_commit is None)


def deliver(
    repo_path: Path,
    branch: str,
    title: str,
    body: str,
    *,
    github: GitHubClient,
    issue: IssueRef,
    remote: str = "origin",
    token: str | None = None,
    token_hosts: Collection[str] = (GITHUB_WEB_HOST,),
) -> Delivery:
    """Pushes `branch`, then opens a draft PR titled `title` into the issue repo's default branch.

    `body` (Markdown) is sent with `token`, and anything token-shaped, redacted, cut to what GitHub accepts.
    """
    base = github.get_repo(issue).default_branch
    pushed = push_branch(repo_path, branch, remote, token, default_branch=base, token_hosts=token_hosts)
    body = fit_pull_request_body(redact(body, token))  # redacted before the cut, which could split a token
    url = github.create_draft_pull_request(issue, head=branch, base=base, title=redact(title, token), body=body)
    return Delivery(pushed, url)


def token_for(url: str, token: str | None, hosts: Collection[str]) -> str | None:
    """`token` when `url` is https on one of `hosts`; None for ssh and local remotes, which get no header."""
    parts = urlsplit(url)
    if not token or parts.scheme not in ("http", "https"):
        return None
    if parts.scheme == "https" and (parts.hostname or "").lower() in {h.lower() for h in hosts}:
        return token
    raise TokenHostError(
        f"origin is {safe_url(url)}, not https://{next(iter(hosts))}/…: refusing to send the GitHub "
        "token there; point origin at the issue's GitHub repository over https, or unset GITHUB_TOKEN"
    )


def _remote_url(repo_path: Path, remote: str) -> str:
    """The URL behind a remote name; a URL or path is returned unchanged."""
    try:
        return run_git(["remote", "get-url", "--", remote], repo_path).strip()
    except GitFailed:
        return remote


def _remote_default_branch(repo_path: Path, remote: str, url: str, token: str | None) -> str:
    try:
        out = run_git(["ls-remote", "--symref", "--", remote, "HEAD"], repo_path, url=url, token=token)
    except GitFailed as exc:
        raise PushRejectedError(f"cannot reach {safe_url(url)} to push: {exc.reason}") from None
    match = re.search(r"^ref: refs/heads/(\S+)\s+HEAD$", out, re.MULTILINE)
    return match.group(1) if match else ALWAYS_PROTECTED[0]


def _local_commit(repo_path: Path, branch: str) -> str:
    try:
        return run_git(["rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}"], repo_path).strip()
    except GitFailed:
        raise BranchNotFoundError(f"no local branch {branch!r} in {repo_path}: check the job's branch name") from None


def _remote_commit(repo_path: Path, remote: str, branch: str, url: str, token: str | None) -> str | None:
    try:
        out = run_git(["ls-remote", "--", remote, f"refs/heads/{branch}"], repo_path, url=url, token=token)
    except GitFailed as exc:
        raise PushRejectedError(f"cannot reach {safe_url(url)} to push: {exc.reason}") from None
    return out.split()[0] if out.strip() else None


def _is_ancestor(repo_path: Path, ancestor: str, descendant: str) -> bool:
    """False also when `ancestor` is unknown here: then the local branch cannot contain it."""
    try:
        run_git(["merge-base", "--is-ancestor", ancestor, descendant], repo_path)
    except GitFailed:
        return False
    return True
