"""A GitHub issue URL as a job: the issue fetched, the repository cloned (or the user's clone), a base and a branch.

Everything here happens before the job row exists, so a failure leaves nothing half-made.
The token is used for the API and for git only; it is never part of what this returns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from agent.config import Settings
from agent.github.client import GitHubClient
from agent.github.clones import ensure_clone
from agent.github.delivery import issue_branch_name
from agent.github.refs import Issue, IssueRef, api_base_for_host, host_of, parse_issue_url
from agent.issue import IssueText
from agent.repo import UserRepo, branch_names, commit_of, open_user_repo, unused_branch


@dataclass(frozen=True)
class IssueIntake:
    repo: UserRepo
    """The clone to work in; `head` is the job's base (origin/<default branch> when known)."""
    issue: IssueText
    branch: str
    """A branch name no local or remote-tracking branch of `repo` has yet."""


def api_base(settings: Settings, issue_url: str) -> str:
    return settings.github_api or api_base_for_host(host_of(issue_url))


def parse_job_issue(settings: Settings, issue_url: str) -> IssueRef:
    return parse_issue_url(issue_url, settings.github_hosts)


def intake_issue(settings: Settings, url: str, token: str | None, repo_path: Path | None = None) -> IssueIntake:
    """Fetch the issue and its repository, then clone into the cache (or open `repo_path`)."""
    ref = parse_job_issue(settings, url)
    with GitHubClient(api_base(settings, url), token) as github:
        issue = github.fetch_issue(ref)
        repository = github.get_repo(ref)
    if repo_path is None:
        path = ensure_clone(repository.clone_url, settings.home / "repos", token)
        user_repo = open_user_repo(path)
    else:
        user_repo = open_user_repo(repo_path)
    user_repo = on_default_branch(user_repo, repository.default_branch)
    branch = unused_branch(issue_branch_name(ref.number, issue.title), branch_names(user_repo.path))
    return IssueIntake(user_repo, issue_text(issue, url), branch)


def issue_text(issue: Issue, url: str) -> IssueText:
    comments = [asdict(comment) for comment in issue.comments]
    return IssueText(issue.as_task(), title=issue.title, url=issue.html_url or url.strip(), comments=comments)


def on_default_branch(repo: UserRepo, default_branch: str) -> UserRepo:
    """`repo` based on origin/<default branch> when that ref exists, else on its HEAD as it is."""
    sha = commit_of(repo.path, f"refs/remotes/origin/{default_branch}")
    return repo if sha is None else UserRepo(repo.path, sha, repo.dirty)
