"""The GitHub REST client (issues, repositories, draft pull requests) and the token's handling.

The token is kept out of every message, repr and log line; `redact` scrubs it from text that came
from elsewhere. URL parsing, the value types and the errors are in `agent.github.refs`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx

from agent.github.refs import (
    GITHUB_API_BASE,
    AuthError,
    Comment,
    GitHubAPIError,
    GitHubError,
    GitHubNetworkError,
    Issue,
    IssueRef,
    NotAnIssueError,
    NotFoundError,
    RateLimitError,
    Repository,
)
from agent.redact import redact

TOKEN_ENV_VARS = ("GITHUB_TOKEN", "GH_TOKEN")
DEFAULT_TIMEOUT = 30.0
_MAX_COMMENT_PAGES = 20


def token_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The token from GITHUB_TOKEN, else GH_TOKEN; None when neither is set (or both are blank)."""
    env = os.environ if env is None else env
    for name in TOKEN_ENV_VARS:
        value = (env.get(name) or "").strip()
        if value:
            return value
    return None


class GitHubClient:
    """A small client for GitHub's REST API. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        api_base: str = GITHUB_API_BASE,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self._token = token or None
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "sparkwright",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        self._http = httpx.Client(base_url=self.api_base, headers=headers, timeout=timeout)

    def __repr__(self) -> str:
        return f"GitHubClient(api_base={self.api_base!r}, authenticated={self.authenticated})"

    @property
    def authenticated(self) -> bool:
        return self._token is not None

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def fetch_issue(self, ref: IssueRef) -> Issue:
        """The issue with its labels and all comments; refuses a number that is a pull request."""
        data = self._request("GET", f"/repos/{ref.owner}/{ref.repo}/issues/{ref.number}", what=f"issue {ref}")
        if data.get("pull_request"):
            raise NotAnIssueError(f"{ref} is a pull request, not an issue: pass the issue's URL")
        labels = tuple(label["name"] if isinstance(label, dict) else str(label) for label in data.get("labels") or [])
        return Issue(
            ref=ref,
            title=data.get("title") or "",
            body=data.get("body") or "",
            labels=labels,
            comments=tuple(self._comments(ref)),
            html_url=data.get("html_url") or "",
            state=data.get("state") or "open",
        )

    def get_repo(self, ref: IssueRef) -> Repository:
        data = self._request("GET", f"/repos/{ref.owner}/{ref.repo}", what=f"repository {ref.full_name}")
        return Repository(
            full_name=data.get("full_name") or ref.full_name,
            default_branch=data.get("default_branch") or "main",
            clone_url=data["clone_url"],
            html_url=data.get("html_url") or "",
            private=bool(data.get("private")),
        )

    def create_draft_pull_request(self, ref: IssueRef, head: str, base: str, title: str, body: str) -> str:
        """Opens a draft PR from branch `head` into `base` of ref's repository; returns its web URL."""
        payload = {"title": title, "head": head, "base": base, "body": redact(body, self._token), "draft": True}
        path = f"/repos/{ref.owner}/{ref.repo}/pulls"
        return self._request("POST", path, json=payload, what=f"a pull request on {ref.full_name}")["html_url"]

    def _comments(self, ref: IssueRef) -> Iterable[Comment]:
        url: str | None = f"/repos/{ref.owner}/{ref.repo}/issues/{ref.number}/comments?per_page=100"
        for _ in range(_MAX_COMMENT_PAGES):
            if url is None:
                return
            response = self._send("GET", url, what=f"comments of {ref}")
            for item in response.json():
                author = (item.get("user") or {}).get("login") or "ghost"
                yield Comment(author, item.get("body") or "", item.get("created_at") or "")
            url = response.links.get("next", {}).get("url")

    def _request(self, method: str, path: str, *, what: str, json: Any = None) -> dict[str, Any]:
        response = self._send(method, path, what=what, json=json)
        try:
            return response.json()
        except ValueError:
            raise GitHubAPIError(
                f"{self.api_base} did not answer like GitHub's API for {what}: check the API base URL",
                response.status_code,
            ) from None

    def _send(self, method: str, path: str, *, what: str, json: Any = None) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=json)
        except httpx.TransportError as exc:
            reason = redact(" ".join(str(exc).split()) or type(exc).__name__, self._token)
            raise GitHubNetworkError(
                f"cannot reach the GitHub API at {self.api_base} ({reason}): check the network or the API base URL"
            ) from None
        if response.is_success:
            return response
        raise self._error_for(response, what)

    def _error_for(self, response: httpx.Response, what: str) -> GitHubError:
        status = response.status_code
        rate_limited = _rate_limit_error(response, what, self.authenticated) if status in (403, 429) else None
        if rate_limited:
            return rate_limited
        if status == 404:
            if self.authenticated:
                return NotFoundError(f"{what} not found, or the token cannot see it: check the URL and the token")
            return NotFoundError(f"{what} not found: if the repository is private, set GITHUB_TOKEN (or GH_TOKEN)")
        if status == 401:
            if self.authenticated:
                return AuthError("GitHub rejected the token (401 bad credentials): check GITHUB_TOKEN / GH_TOKEN")
            return AuthError(f"GitHub requires authentication for {what}: set GITHUB_TOKEN (or GH_TOKEN)")
        if status == 403:
            fix = "the token lacks permission for it" if self.authenticated else "set GITHUB_TOKEN (or GH_TOKEN)"
            return AuthError(f"GitHub refused access to {what} (403): {fix}")
        detail = redact(_api_message(response), self._token)
        return GitHubAPIError(f"GitHub answered {status} for {what}{': ' + detail if detail else ''}", status)


def _rate_limit_error(response: httpx.Response, what: str, authenticated: bool) -> RateLimitError | None:
    headers = response.headers
    hint = "" if authenticated else "; set GITHUB_TOKEN for a higher limit"
    if headers.get("retry-after", "").isdigit():
        return RateLimitError(f"GitHub rate limit hit for {what}: retry in {headers['retry-after']} seconds")
    if headers.get("x-ratelimit-remaining") != "0":
        return None
    reset = headers.get("x-ratelimit-reset", "")
    if not reset.isdigit():
        return RateLimitError(f"GitHub API rate limit exceeded for {what}: wait a while and retry{hint}")
    reset_at = datetime.fromtimestamp(int(reset)).astimezone()
    when = reset_at.strftime("%Y-%m-%d %H:%M:%S %Z")
    return RateLimitError(
        f"GitHub API rate limit exceeded for {what}: it resets at {when} (local time){hint}",
        reset_at,
    )


def _api_message(response: httpx.Response) -> str:
    """GitHub's own explanation, flattened to one line (e.g. 'A pull request already exists')."""
    try:
        data = response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    details = [e.get("message", "") for e in data.get("errors", []) if isinstance(e, dict)]
    text = "; ".join(filter(None, [data.get("message", ""), *details]))
    return " ".join(text.split())[:300]
