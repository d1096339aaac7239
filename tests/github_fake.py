"""A real HTTP server on 127.0.0.1 standing in for GitHub: its REST API and dumb-HTTP git.

    with FakeGitHub(token="ghp_…") as fake:
        fake.add_repo("acme", "widgets", clone_url=str(bare_repo))
        fake.add_issue("acme", "widgets", 7, title="Crash", comments=[("ann", "me too")])
        client = GitHubClient(api_base=fake.api_base, token="ghp_…")

Every request is recorded (method, path, query, headers, JSON body) in `fake.requests`.
Auth behaves like GitHub's: a wrong token is a 401, a private repository is a 404 without one.
"""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.loopback import Handler, LoopbackServer, RecordedRequest


@dataclass
class Canned:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class FakeGitHub(LoopbackServer):
    """Serves repos, issues, comments and PR creation from in-memory data; see the module docstring."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        """The one valid token; a request carrying any other is answered 401."""
        self.repos: dict[str, dict[str, Any]] = {}
        self.issues: dict[tuple[str, int], dict[str, Any]] = {}
        self.comments: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.pulls: list[dict[str, Any]] = []
        self._canned: dict[str, Canned] = {}
        self._git_dirs: dict[str, Path] = {}
        self._private_git: set[str] = set()

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    @property
    def api_base(self) -> str:
        return self.url

    def add_repo(
        self, owner: str, repo: str, *, clone_url: str, default_branch: str = "main", private: bool = False
    ) -> None:
        self.repos[f"{owner}/{repo}"] = {
            "full_name": f"{owner}/{repo}",
            "default_branch": default_branch,
            "clone_url": clone_url,
            "html_url": f"https://github.com/{owner}/{repo}",
            "private": private,
        }

    def add_issue(
        self,
        owner: str,
        repo: str,
        number: int,
        *,
        title: str,
        body: str = "",
        labels: tuple[str, ...] | list[str] = (),
        comments: list[tuple[str, str]] | tuple[tuple[str, str], ...] = (),
        is_pull_request: bool = False,
    ) -> None:
        """Adds an issue (comments as (author, body) pairs); the repo must be added first."""
        name = f"{owner}/{repo}"
        issue = {
            "number": number,
            "title": title,
            "body": body,
            "state": "open",
            "labels": [{"name": label} for label in labels],
            "html_url": f"https://github.com/{name}/issues/{number}",
        }
        if is_pull_request:
            issue["pull_request"] = {"url": f"{self.api_base}/repos/{name}/pulls/{number}"}
        self.issues[(name, number)] = issue
        self.comments[(name, number)] = [
            {"user": {"login": author}, "body": text, "created_at": f"2025-01-01T00:00:{i % 60:02d}Z"}
            for i, (author, text) in enumerate(comments)
        ]

    def serve_git(self, owner: str, repo: str, bare_repo: Path, private: bool = False) -> str:
        """Serves `bare_repo` over dumb HTTP at /OWNER/REPO.git (read-only); returns that clone URL."""
        self._git_dirs[f"/{owner}/{repo}.git"] = Path(bare_repo)
        if private:
            self._private_git.add(f"/{owner}/{repo}.git")
        return f"{self.api_base}/{owner}/{repo}.git"

    def fail(self, path: str, status: int, message: str = "Error", headers: dict[str, str] | None = None) -> None:
        """Answers every request to `path` (no query) with `status` from now on."""
        self._canned[path] = Canned(status, {"message": message}, headers or {})

    def rate_limit(self, path: str, reset_epoch: int, status: int = 403) -> None:
        headers = {"x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset_epoch)}
        self.fail(path, status, "API rate limit exceeded", headers)

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    # -- request handling -------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            self.requests.append(request)
            if canned := self._canned.get(request.path):
                return canned.status, canned.body, canned.headers
            auth = request.headers.get("authorization")
            if auth is not None and auth != f"Bearer {self.token}":
                return 401, {"message": "Bad credentials"}, {}
            return self._route(request, authorized=auth is not None)

    def _route(self, request: RecordedRequest, authorized: bool) -> tuple[int, Any, dict[str, str]]:
        parts = request.path.strip("/").split("/")
        if len(parts) < 3 or parts[0] != "repos":
            return _not_found()
        name = f"{parts[1]}/{parts[2]}"
        repo = self.repos.get(name)
        if repo is None or (repo["private"] and not authorized):
            return _not_found()
        rest, method = parts[3:], request.method
        if method == "GET" and not rest:
            return 200, repo, {}
        if method == "GET" and len(rest) == 2 and rest[0] == "issues" and rest[1].isdigit():
            issue = self.issues.get((name, int(rest[1])))
            return (200, issue, {}) if issue else _not_found()
        if method == "GET" and len(rest) == 3 and rest[0] == "issues" and rest[2] == "comments":
            return self._comments_page(request, name, int(rest[1]))
        if method == "POST" and rest == ["pulls"]:
            return self._create_pull(name, request.json or {})
        return _not_found()

    def _comments_page(self, request: RecordedRequest, name: str, number: int) -> tuple[int, Any, dict[str, str]]:
        if (name, number) not in self.issues:
            return _not_found()
        per_page = int(request.query.get("per_page", ["30"])[0])
        page = int(request.query.get("page", ["1"])[0])
        items = self.comments[(name, number)]
        headers = {}
        if page * per_page < len(items):
            headers["link"] = f'<{self.api_base}{request.path}?per_page={per_page}&page={page + 1}>; rel="next"'
        return 200, items[(page - 1) * per_page : page * per_page], headers

    def _create_pull(self, name: str, payload: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        missing = [key for key in ("title", "head", "base") if not payload.get(key)]
        if missing or payload["head"] == payload["base"]:
            return _invalid(f"invalid fields: {missing or ['head']}")
        if any(p["repo"] == name and p["head"] == payload["head"] for p in self.pulls):
            return _invalid(f"A pull request already exists for {payload['head']}.")
        number = 1000 + len(self.pulls)
        self.pulls.append({**payload, "repo": name, "number": number})
        url = f"https://github.com/{name}/pull/{number}"
        return 201, {"number": number, "html_url": url, "draft": bool(payload.get("draft"))}, {}

    def git_file(self, path: str) -> Path | None:
        """The file of a served bare repo behind a dumb-HTTP path, refreshing info/refs first."""
        for prefix, root in self._git_dirs.items():
            if path.startswith(prefix + "/"):
                relative = path[len(prefix) + 1 :]
                if relative == "info/refs":
                    subprocess.run(["git", "update-server-info"], cwd=root, check=True)
                candidate = (root / relative).resolve()
                return candidate if candidate.is_file() and root.resolve() in candidate.parents else None
        return None

    def git_authorized(self, path: str, headers: dict[str, str]) -> bool:
        """Private served repos need `Basic x-access-token:TOKEN`, as GitHub accepts for git over https."""
        if not any(path.startswith(prefix + "/") for prefix in self._private_git):
            return True
        expected = "Basic " + base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return headers.get("authorization") == expected


def _not_found() -> tuple[int, Any, dict[str, str]]:
    return 404, {"message": "Not Found"}, {}


def _invalid(reason: str) -> tuple[int, Any, dict[str, str]]:
    return 422, {"message": "Validation Failed", "errors": [{"message": reason}]}, {}


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class GitHubHandler(Handler):
        def serve(self, request: RecordedRequest) -> None:
            if request.path.endswith(".git") or ".git/" in request.path:
                self._serve_git(request)
                return
            status, body, extra = fake.handle(request)
            self.reply(status, json.dumps(body).encode(), {"content-type": "application/json", **extra})

        def _serve_git(self, request: RecordedRequest) -> None:
            with fake._lock:
                fake.requests.append(request)
            if not fake.git_authorized(request.path, request.headers):
                self.reply(401, b"", {"www-authenticate": 'Basic realm="fake"'})
                return
            file = fake.git_file(request.path)
            if file is None:
                self.reply(404, b"not found", {})
                return
            self.reply(200, file.read_bytes(), {"content-type": "application/octet-stream"})

    return GitHubHandler


# -- git helpers: a local bare repository as the remote ---------------------------------------


def git(cwd: Path, *args: str) -> str:
    """Runs git with a fixed identity (tests must not depend on the host's git config)."""
    command = ["git", "-c", "user.name=Someone Else", "-c", "user.email=else@example.com", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def make_remote(root: Path, owner: str = "acme", repo: str = "widgets", default_branch: str = "main") -> Path:
    """A bare repository at ROOT/remotes/OWNER/REPO.git whose default branch has one commit."""
    bare = root / "remotes" / owner / f"{repo}.git"
    bare.parent.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet", "--bare", f"--initial-branch={default_branch}", str(bare))
    push_commit(bare, default_branch, "README.md", f"# {repo}\n", "Initial commit")
    return bare


def push_commit(bare: Path, branch: str, filename: str, content: str, message: str) -> str:
    """Pushes a new commit on `branch` of `bare` from a scratch clone; returns its hash.

    Stands for work by someone other than the job.
    """
    scratch = bare.parent / f".scratch-{bare.stem}"
    if not scratch.exists():
        git(bare.parent, "clone", "--quiet", str(bare), str(scratch))
    git(scratch, "fetch", "--quiet", "origin")
    exists = git(scratch, "ls-remote", "origin", f"refs/heads/{branch}")
    git(scratch, "checkout", "--quiet", "-B", branch, *([f"origin/{branch}"] if exists else []))
    (scratch / filename).write_text(content)
    git(scratch, "add", filename)
    git(scratch, "commit", "--quiet", "-m", message)
    git(scratch, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
    return git(scratch, "rev-parse", "HEAD")
