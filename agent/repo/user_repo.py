"""The user's own repository: opened without changing anything in it, read at the job's base commit."""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from git import BadName, GitCommandError, InvalidGitRepositoryError, NoSuchPathError, Repo
from git.cmd import Git

from agent.errors import UserError
from agent.repo.commands import HARDENED


class RepoError(UserError):
    """The repository cannot be used; the message says what to do."""


@dataclass(frozen=True)
class UserRepo:
    path: Path
    head: str
    dirty: bool


def open_user_repo(path: Path) -> UserRepo:
    """Inspect the user's checkout without changing anything in it."""
    if not path.exists():
        raise RepoError(f"no such directory: {path}: pass --repo with the path of a git checkout")
    try:
        repo = Repo(path, search_parent_directories=False)
    except (InvalidGitRepositoryError, NoSuchPathError):
        raise RepoError(f"{path} is not a git repository: run `git init` and commit, or pass another --repo") from None
    work_tree = repo.working_tree_dir  # None exactly when the repository is bare
    if repo.bare or work_tree is None:
        raise RepoError(f"{path} is a bare repository: pass a checkout")
    try:
        head = repo.head.commit.hexsha
    except ValueError:
        raise RepoError(f"{path} has no commits yet: commit the code the job should start from") from None
    return UserRepo(Path(work_tree).resolve(), head, repo.is_dirty(untracked_files=True))


def common_dir(user_repo: Path) -> Path:
    """The user's repository's git directory (shared by all its worktrees)."""
    return Path(Git(str(user_repo)).rev_parse("--path-format=absolute", "--git-common-dir")).resolve()


def file_at(user_repo: Path, commit: str, path: str) -> str | None:
    """`path` as committed in `commit` of the user's repository, or None when it has no such file."""
    try:
        return Git(str(user_repo)).execute(["git", *HARDENED, "show", f"{commit}:{path}"])
    except GitCommandError:
        return None


def commit_of(repo: Path, ref: str) -> str | None:
    """The commit `ref` names in the user's repository, or None when there is no such ref."""
    try:
        return Repo(repo).commit(ref).hexsha
    except (BadName, ValueError, GitCommandError):
        return None


def branch_names(repo: Path) -> set[str]:
    """Local branches and origin's remote-tracking branches of the user's repository, by short name."""
    found = Repo(repo)
    names = {head.name for head in found.heads}
    return names | ({ref.remote_head for ref in found.remotes.origin.refs} if "origin" in found.remotes else set())


REPO_SETTINGS = ".sparkwright.toml"


def repo_settings(repo: Path, base_commit: str) -> dict:
    """The target repo's own `.sparkwright.toml` (e.g. its setup_command) as the job's base commit has it."""
    text = file_at(repo, base_commit, REPO_SETTINGS)
    try:
        return tomllib.loads(text) if text else {}
    except tomllib.TOMLDecodeError:
        return {}


def unused_branch(name: str, taken: Collection[str]) -> str:
    """`name`, or `name-2`, `name-3`…, whichever no branch in `taken` (short names) has: a second job on the same
    issue never takes over the first one's branch."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}-{number}"
    return candidate
