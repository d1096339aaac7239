"""The job's git workspace: a worktree on the job branch, one commit per step, found again by trailer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from git import GitCommandError, InvalidGitRepositoryError, NoSuchPathError, Repo

from agent.faults import fault_point

AUTHOR = ["-c", "user.name=sparkwright", "-c", "user.email=sparkwright@localhost"]


class RepoError(Exception):
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
    if repo.bare:
        raise RepoError(f"{path} is a bare repository: pass a checkout")
    try:
        head = repo.head.commit.hexsha
    except ValueError:
        raise RepoError(f"{path} has no commits yet: commit the code the job should start from") from None
    return UserRepo(Path(repo.working_tree_dir).resolve(), head, repo.is_dirty(untracked_files=True))


def step_trailer(job_id: str, step_id: int) -> str:
    return f"Sparkwright-Step: {job_id}/{step_id}"


class Workspace:
    """A git worktree of the user's repo on the job branch. The user's checkout is never touched."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.repo = Repo(self.path)

    @classmethod
    def ensure(cls, user_repo: Path, path: Path, branch: str, base: str) -> "Workspace":
        """Create the worktree (and branch at `base`), or reattach to it; idempotent."""
        repo = Repo(user_repo)
        if (path / ".git").exists():
            return cls(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        repo.git.worktree("prune")
        try:
            if branch in [h.name for h in repo.heads]:
                repo.git.worktree("add", str(path), branch)
            else:
                repo.git.worktree("add", "-b", branch, str(path), base)
        except GitCommandError as exc:
            raise RepoError(f"could not create the job's worktree at {path}: {exc.stderr.strip()}") from None
        return cls(path)

    @staticmethod
    def remove(user_repo: Path, path: Path, branch: str) -> None:
        """Undo `ensure` for a job that was never recorded: its worktree and its (commit-less) branch."""
        repo = Repo(user_repo)
        repo.git.worktree("remove", "--force", str(path))
        repo.git.branch("-D", branch)

    def clear_stale_locks(self) -> None:
        """A git process killed mid-command leaves index.lock behind; only call this holding the job's lease."""
        (Path(self.repo.git_dir) / "index.lock").unlink(missing_ok=True)

    def head(self) -> str:
        return self.repo.head.commit.hexsha

    def discard_changes(self) -> None:
        """Back to the last commit: a failed attempt's edits are gone from the tree."""
        self.repo.git.reset("--hard", "HEAD")
        self.repo.git.clean("-fd")

    def diff(self, base: str = "HEAD") -> str:
        """Everything changed since `base`, untracked files included."""
        self.repo.git.add("-A")
        return self.repo.git.diff("--cached", base)

    def commit_step(self, job_id: str, step_id: int, title: str, body: str) -> str:
        """One commit for the step (empty if the step changed nothing); returns its sha."""
        self.repo.git.add("-A")
        fault_point("commit.after_add")
        message = f"{title}\n\n{body}\n\nSparkwright-Job: {job_id}\n{step_trailer(job_id, step_id)}"
        self.repo.git.execute(["git", *AUTHOR, "commit", "-q", "--allow-empty", "--no-verify", "-m", message])
        return self.head()

    def find_step_commit(self, job_id: str, step_id: int, base: str) -> str | None:
        """The step's commit on the branch, if it was already made (e.g. before a crash)."""
        pattern = "^" + re.escape(step_trailer(job_id, step_id)) + "$"
        shas = self.repo.git.log("--format=%H", "-E", f"--grep={pattern}", f"{base}..HEAD").split()
        return shas[0] if shas else None
