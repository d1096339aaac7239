"""The issue a job works on: its text (from the user, a file or GitHub), its title and branch-name slug, and the
size GitHub accepts for the pull request that answers it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from agent.errors import UserError
from state import Job

MAX_ISSUE_CHARS = 65_536  # GitHub's own cap on an issue body
MAX_TITLE_CHARS = 200
MAX_PR_BODY = 60_000  # GitHub refuses pull-request bodies over 65,536 characters


class IntakeError(UserError):
    """The job cannot be created as asked; the message says what to do."""


@dataclass(frozen=True)
class IssueText:
    text: str
    title: str = ""
    url: str | None = None
    comments: list[dict] = field(default_factory=list)


def slugify(text: str, limit: int = 40, empty: str = "job") -> str:
    """Lowercase words joined by dashes, cut at a word boundary within `limit` characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug or empty


def fit_pull_request_body(body: str) -> str:
    """`body` cut to the size GitHub accepts for a pull-request body."""
    return body if len(body) <= MAX_PR_BODY else body[:MAX_PR_BODY] + "\n\n…(truncated)\n"


def job_title(issue: IssueText) -> str:
    """The issue's title, else its first line; a long one is cut at a word boundary (a one-line issue can be huge)."""
    title = issue.title or issue.text.strip().splitlines()[0].lstrip("# ")
    if len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[: MAX_TITLE_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"


def read_issue(text: str | None, path: Path | None) -> IssueText:
    if text is not None and path is not None:
        raise IntakeError("pass the issue once: --issue TEXT or --issue-file FILE, not both")
    if path is not None:
        if not path.is_file():
            raise IntakeError(f"no issue file {path}: pass an existing file to --issue-file")
        text = _read_text(path)
    if not text or not text.strip():
        raise IntakeError("the issue is empty: pass --issue TEXT or --issue-file FILE with what to do")
    text = text.strip()
    if len(text) > MAX_ISSUE_CHARS:
        raise IntakeError(
            f"the issue is {len(text):,} characters, over the limit of {MAX_ISSUE_CHARS:,}: "
            "shorten it to what the job needs and put long logs or data in a file in the repo"
        )
    return IssueText(text)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise IntakeError(f"the issue file {path} is not UTF-8 text: pass a text file (save it as UTF-8)") from None
    except OSError as exc:
        raise IntakeError(f"cannot read the issue file {path} ({exc.strerror}): check its permissions") from None


def issue_block(job: Job) -> str:
    title = f"# {job.issue_title}\n\n" if job.issue_title else ""
    comments = "".join(
        f"\n\n--- comment by {c.get('author', '?')}:\n{c.get('body', '')}" for c in job.issue_comments or []
    )
    return f"{title}{job.issue_text}{comments}"
