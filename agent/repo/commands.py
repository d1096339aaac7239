"""Running git for sparkwright: remote operations with a token that never touches disk, one-line failures.

Credentials travel in the git process's environment only: never in the remote URL, `.git/config` or
an error message.
"""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import urlsplit

from git import Git

from agent.redact import redact

AUTHOR = ["-c", "user.name=sparkwright", "-c", "user.email=sparkwright@localhost"]
HARDENED = [
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "commit.gpgSign=false",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "diff.external=",
    "-c",
    "core.pager=cat",
    "-c",
    "maintenance.auto=false",
]
"""Settings a repository could carry that would make git run a program; ours win over its. And no automatic
maintenance after our commits: a gc or repack of the user's repository is theirs to run (it was one more git
process a step, too)."""


class GitFailed(Exception):
    """A git command exited non-zero; `reason` is git's last meaningful stderr line, redacted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def git_env(url: str | None, token: str | None) -> dict[str, str]:
    """Environment for a git process: never prompts; for an http(s) URL with a token, an auth header.

    The header is scoped to the URL's host and passed as ephemeral config (GIT_CONFIG_*), so it
    is never written to disk nor shown on a command line.
    """
    env = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never"}
    parts = urlsplit(url or "")
    if token and parts.scheme in ("http", "https") and parts.hostname:
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        env |= {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{parts.scheme}://{host}/.extraheader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {_basic(token)}",
        }
    return env


def run_git(args: list[str], cwd: Path, *, url: str | None = None, token: str | None = None) -> str:
    """Runs `git ARGS` in `cwd` (with `git_env(url, token)`); its stdout, or `GitFailed`."""
    status, stdout, stderr = Git(str(cwd)).execute(
        ["git", *args], env=git_env(url, token), with_extended_output=True, with_exceptions=False
    )
    if status != 0:
        reason = _reason(stderr) or f"git {args[0]} exited with {status}"
        raise GitFailed(redact(reason, token, token and _basic(token)))
    return stdout


def safe_url(url: str) -> str:
    """`url` without any user:password part, for messages."""
    parts = urlsplit(url)
    if "://" not in url or "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


def _basic(token: str) -> str:
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()


def _reason(stderr: str) -> str:
    """git's most telling stderr line: a push rejection (`! [...]`), else the last fatal/error line."""
    lines = [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
    for prefixes in (("!",), ("fatal:", "error:"), ("remote:",)):
        telling = [line for line in lines if line.startswith(prefixes)]
        if telling:
            return telling[-1]
    return lines[-1] if lines else ""
