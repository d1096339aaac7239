"""GitHub's names for things: issue URLs parsed into references, the values the API returns, and its errors.

No I/O here; `agent.github.client` is the REST client that fills these. Every error is a `GitHubError` whose
message is one line saying what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from agent.errors import UserError

GITHUB_WEB_HOST = "github.com"
GITHUB_API_BASE = "https://api.github.com"
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_REPO = re.compile(r"^[A-Za-z0-9._-]+$")


class GitHubError(UserError):
    """Base of GitHub errors; the message is one line saying what to do."""


class IssueURLError(GitHubError, ValueError):
    """The text is not a GitHub issue URL."""


class PullRequestURLError(IssueURLError):
    """The URL names a pull request, not an issue."""


class NotAnIssueError(GitHubError):
    """The API says the number belongs to a pull request."""


class NotFoundError(GitHubError, LookupError):
    """404: missing, or private and invisible to the current credentials."""


class AuthError(GitHubError, PermissionError):
    """401/403: the token is wrong, missing or lacks permission."""


class RateLimitError(GitHubError):
    """The API rate limit is spent; `reset_at` says when it refills (local time), if known."""

    def __init__(self, message: str, reset_at: datetime | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class GitHubNetworkError(GitHubError, ConnectionError):
    """The API could not be reached (connection refused, DNS, timeout)."""


class GitHubAPIError(GitHubError):
    """Any other refusal (5xx, 422 ...); carries the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class IssueRef:
    owner: str
    repo: str
    number: int

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}"


@dataclass(frozen=True)
class Comment:
    author: str
    body: str
    created_at: str = ""
    """ISO-8601 timestamp as GitHub sent it."""


@dataclass(frozen=True)
class Issue:
    ref: IssueRef
    title: str
    body: str
    labels: tuple[str, ...]
    comments: tuple[Comment, ...]
    html_url: str
    state: str
    """"open" or "closed"."""

    def as_task(self) -> str:
        """The issue as plain text for the planner: title, labels, body, then comments in order."""
        parts = [f"# {self.title}", self.html_url]
        if self.labels:
            parts.append("Labels: " + ", ".join(self.labels))
        parts.append(self.body.strip() or "(no description)")
        parts += [f"## Comment by @{c.author}\n{c.body.strip()}" for c in self.comments]
        return "\n\n".join(parts)


@dataclass(frozen=True)
class Repository:
    full_name: str
    default_branch: str
    clone_url: str
    html_url: str
    private: bool


def parse_issue_url(url: str, enterprise_hosts: Iterable[str] = ()) -> IssueRef:
    """`https://HOST/OWNER/REPO/issues/N` → IssueRef; HOST is github.com or one of `enterprise_hosts`.

    A trailing slash, query string or `#issuecomment-…` fragment is ignored.
    """
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    hosts = {GITHUB_WEB_HOST, "www." + GITHUB_WEB_HOST} | {host_of(h) for h in enterprise_hosts}
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or host not in hosts:
        raise IssueURLError(
            f"not a GitHub issue URL: {url!r}; pass https://github.com/OWNER/REPO/issues/N"
            " (for GitHub Enterprise, configure its URL)"
        )
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 3 and segments[2] in ("pull", "pulls"):
        raise PullRequestURLError(f"{url!r} is a pull request, not an issue: pass the issue's URL")
    if len(segments) != 4 or segments[2] != "issues" or not segments[3].isdigit():
        raise IssueURLError(f"malformed issue URL {url!r}: expected https://{host}/OWNER/REPO/issues/N")
    owner, repo, _, number = segments
    if not _OWNER.match(owner) or not _REPO.match(repo) or int(number) < 1:
        raise IssueURLError(f"malformed issue URL {url!r}: bad owner, repository or number in OWNER/REPO/issues/N")
    return IssueRef(owner, repo, int(number))


def host_of(url_or_host: str) -> str:
    """The lower-case host of a web URL, or the text itself when it is already a bare host."""
    text = url_or_host.strip()
    return (urlsplit(text if "://" in text else "https://" + text).hostname or "").lower()


def api_base_for_host(host: str) -> str:
    """GitHub's API base for a web host: api.github.com, or `https://HOST/api/v3` for Enterprise."""
    host = host_of(host)
    return GITHUB_API_BASE if host in (GITHUB_WEB_HOST, "www." + GITHUB_WEB_HOST) else f"https://{host}/api/v3"


def fixes_number(issue_url: str | None) -> int | None:
    """The issue number for "Fixes #N" when the job came from a GitHub issue."""
    if not issue_url:
        return None
    try:
        # Intake only accepts GitHub issue URLs, so the URL's own host counts (GitHub Enterprise too).
        return parse_issue_url(issue_url, [host_of(issue_url)]).number
    except IssueURLError:
        return None
