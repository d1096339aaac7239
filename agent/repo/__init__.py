"""Every git operation sparkwright makes: the user's repository (read, never changed), the job's worktree
(pinned to its recorded git directory), and remote operations with a token kept off disk."""

from agent.repo.commands import GitFailed, run_git, safe_url
from agent.repo.user_repo import (
    RepoError,
    UserRepo,
    branch_names,
    commit_of,
    file_at,
    open_user_repo,
    repo_settings,
    unused_branch,
)
from agent.repo.workspace import Workspace, step_trailer

__all__ = [
    "GitFailed",
    "RepoError",
    "UserRepo",
    "Workspace",
    "branch_names",
    "commit_of",
    "file_at",
    "open_user_repo",
    "repo_settings",
    "run_git",
    "safe_url",
    "step_trailer",
    "unused_branch",
]
