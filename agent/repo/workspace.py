"""The job's git workspace: a worktree on the job branch, one commit per step, found again by trailer.

Git on the host never trusts the worktree: the model can write any file there, `.git` included. So
every command names the git directory recorded when the worktree was made (never found through the
worktree's `.git`), and turns off every setting that runs a program (fsmonitor, hooks, external
diff, textconv, signing). A `.git` entry that is not the pointer sparkwright made is put back first.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from git import GitCommandError, Repo
from git.cmd import Git

from agent.faults import fault_point
from agent.repo.commands import AUTHOR, HARDENED
from agent.repo.git_dir_guard import GitDirGuard
from agent.repo.user_repo import RepoError, common_dir

_REF_NAME = re.compile(r"refs/heads(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+")  # no component starts with a dot: no ".."
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def step_trailer(job_id: str, step_id: int) -> str:
    return f"Sparkwright-Step: {job_id}/{step_id}"


class Workspace:
    """A git worktree of the user's repo on the job branch. The user's checkout is never touched."""

    def __init__(self, path: Path, git_dir: Path, common: Path, branch: str) -> None:
        self.path = Path(path)
        self.git_dir = git_dir
        """The worktree's own admin directory inside the user's repository, as recorded by git."""
        self.common_dir = common
        self.branch = branch
        self._git = Git(str(self.path))
        self._env = {
            "GIT_DIR": str(git_dir),
            "GIT_WORK_TREE": str(self.path),
            "GIT_COMMON_DIR": str(common),
            "GIT_TERMINAL_PROMPT": "0",
        }
        self.repairs: list[str] = []
        """What was found tampered with and put back, not yet reported."""
        self._guard = GitDirGuard(self.common_dir, self.git_dir, f"refs/heads/{branch}", self.git)
        self._tracked: dict[str, list[str]] = {}

    @classmethod
    def ensure(cls, user_repo: Path, path: Path, branch: str, base: str) -> Workspace:
        """Create the worktree (and branch at `base`), or reattach to it; idempotent."""
        path = path.absolute()
        common = common_dir(user_repo)
        git_dir = _admin_dir(common, path)
        if git_dir is not None and path.is_dir():
            return cls(path, git_dir, common, branch)
        path.parent.mkdir(parents=True, exist_ok=True)
        repo = Repo(user_repo)
        exists = branch in [h.name for h in repo.heads]
        git_dir = _added(repo, common, path, [str(path), branch] if exists else ["-b", branch, str(path), base])
        return cls(path, git_dir, common, branch)

    @classmethod
    def lane(cls, user_repo: Path, path: Path, branch: str, commit: str) -> Workspace:
        """A worktree beside the job's, detached at `commit` (no branch of its own: nothing to clean up in the
        user's branches), for a candidate run at once with others; one left by a killed run is made anew."""
        path = path.absolute()
        common = common_dir(user_repo)
        repo = Repo(user_repo)
        if _admin_dir(common, path) is not None:
            repo.git.worktree("remove", "--force", str(path))
        shutil.rmtree(path, ignore_errors=True)
        return cls(path, _added(repo, common, path, ["--detach", str(path), commit]), common, branch)

    @staticmethod
    def remove_lane(user_repo: Path, path: Path) -> None:
        try:
            Repo(user_repo).git.worktree("remove", "--force", str(path))
        except GitCommandError:  # already gone, or git no longer knows it: the files go all the same
            shutil.rmtree(path, ignore_errors=True)

    def detach_at(self, commit: str) -> None:
        """A lane's HEAD at `commit` (the job branch's head), its files left for `restore` to set."""
        self.git("update-ref", "--no-deref", "HEAD", commit)

    @staticmethod
    def remove(user_repo: Path, path: Path, branch: str) -> None:
        """Undo `ensure` for a job that was never recorded: its worktree and its (commit-less) branch."""
        repo = Repo(user_repo)
        repo.git.worktree("remove", "--force", str(path))
        repo.git.branch("-D", branch)

    def git(self, *args: str) -> str:
        """Run git on the worktree with the recorded git directory and program-running settings off."""
        self._restore_pointer()
        return self._git.execute(["git", *HARDENED, *args], env=self._env)

    def clear_stale_locks(self) -> None:
        """A git process killed mid-command leaves index.lock behind; only call this holding the job's lease."""
        (self.git_dir / "index.lock").unlink(missing_ok=True)

    def head(self) -> str:
        ref = self._head_ref()
        return (self._commit_of(ref) if ref.startswith("refs/") else None) or self.git("rev-parse", "HEAD")

    def discard_changes(self) -> None:
        """Back to the last commit: a failed attempt's edits are gone from the tree."""
        self.git("reset", "-q", "--hard", "HEAD")
        self.git("clean", "-q", "-fd")

    def snapshot(self) -> str:
        """The files as they are now, as a git tree (no commit, no ref moved), for `restore` to go back to."""
        self.git("add", "-A")
        return self.git("write-tree")

    def restore(self, tree: str) -> None:
        """The files exactly as `snapshot` saw them: later edits undone, files made since removed."""
        self.git("read-tree", "--reset", "-u", tree)
        self.git("clean", "-q", "-fd")

    def diff(self, base: str = "HEAD") -> str:
        """Everything changed since `base`, untracked files included."""
        self.git("add", "-A")
        return self.git("diff", "--no-ext-diff", "--no-textconv", "--cached", base)

    def changed_files(self) -> list[str]:
        """Paths changed since HEAD, untracked ones included."""
        self.git("add", "-A")
        return [p for p in self.git("diff", "--no-ext-diff", "--cached", "--name-only", "-z", "HEAD").split("\0") if p]

    def changed_tracked(self) -> list[str]:
        """Paths HEAD has that were edited or removed since (new files left out): one git process, nothing staged."""
        return [p for p in self.git("diff", "--no-ext-diff", "--name-only", "-z", "HEAD").split("\0") if p]

    def committed_paths(self, base: str) -> list[str]:
        """Paths the commits since `base` changed, added or removed (the worktree's own edits left out)."""
        return [p for p in self.git("diff", "--no-ext-diff", "--name-only", "-z", base, "HEAD").split("\0") if p]

    def tracked_files(self, commit: str) -> list[str]:
        """Every file path `commit` holds."""
        if commit not in self._tracked:
            self._tracked[commit] = [p for p in self.git("ls-tree", "-r", "--name-only", "-z", commit).split("\0") if p]
        return self._tracked[commit]

    def restore_files(self, paths: list[str]) -> None:
        """Put `paths` back as HEAD has them (a deleted one comes back)."""
        if paths:
            self.git("checkout", "-q", "HEAD", "--", *paths)

    def commit_step(
        self, job_id: str, step_id: int, title: str, body: Callable[[list[str]], str]
    ) -> tuple[str, list[str]]:
        """One commit for the step (empty if the step changed nothing), its message's body written from the paths
        it changes: its sha, and those paths."""
        changed = self.changed_files()
        fault_point("commit.after_add")
        message = f"{title}\n\n{body(changed)}\n\nSparkwright-Job: {job_id}\n{step_trailer(job_id, step_id)}"
        self.git(*AUTHOR, "commit", "-q", "--allow-empty", "--no-verify", "-m", message)
        return self.head(), changed

    def find_step_commit(self, job_id: str, step_id: int, base: str) -> str | None:
        """The step's commit on the branch, if it was already made (e.g. before a crash)."""
        pattern = "^" + re.escape(step_trailer(job_id, step_id)) + "$"
        shas = self.git("log", "--format=%H", "-E", f"--grep={pattern}", f"{base}..HEAD").split()
        return shas[0] if shas else None

    def branch_commits(self, base: str) -> set[str]:
        """The commits on the job branch since `base`: one git process, however many steps the job has."""
        return set(self.git("rev-list", f"{base}..refs/heads/{self.branch}").split())

    def put_back(self, expected: str) -> None:
        """Make HEAD the job branch at `expected` again, keeping the worktree's files as they are.

        A model's own `git checkout -b`, `commit` or `reset` moved it: its file changes stay and
        become part of the step; only the refs are put back."""
        ref = f"refs/heads/{self.branch}"
        head_ref = self._head_ref()
        branch_at = self._commit_of(ref)
        if head_ref == ref and branch_at == expected:
            return
        if branch_at != expected:
            self.git("update-ref", ref, expected)
            self.repairs.append(f"the job branch was at {(branch_at or 'nothing')[:10]}, not {expected[:10]}: reset it")
        if head_ref != ref:
            self.git("symbolic-ref", "HEAD", ref)
            self.repairs.append(f"HEAD was on {head_ref}, not {ref}: put it back")
        self.git("reset", "-q")  # the index follows HEAD; the files stay as the worker left them

    def _head_ref(self) -> str:
        """The ref HEAD names: read from the plain file git keeps it in (no git process), else asked of git."""
        head = self.git_dir / "HEAD"
        try:
            if stat.S_ISREG(os.lstat(head).st_mode) and (text := head.read_text(errors="replace")).startswith("ref: "):
                return text.removeprefix("ref: ").strip()
        except OSError:
            pass
        try:
            return self.git("symbolic-ref", "-q", "HEAD")
        except GitCommandError:
            return "(detached)"

    def _commit_of(self, ref: str) -> str | None:
        """The commit `ref` names: read from its loose file when that is a plain file holding an object id (no git
        process: a step asks this twice), else asked of git (a packed ref, a symlink, anything odd)."""
        if _REF_NAME.fullmatch(ref):
            try:
                path = self.common_dir / ref
                if stat.S_ISREG(os.lstat(path).st_mode) and _OBJECT_ID.fullmatch(sha := path.read_text().strip()):
                    return sha
            except (OSError, UnicodeDecodeError):
                pass
        try:
            return self.git("rev-parse", "--verify", "-q", ref)
        except GitCommandError:
            return None

    def _restore_pointer(self) -> None:
        """Put back the worktree's `.git` pointer file if anything replaced or changed it."""
        dot_git = self.path / ".git"
        expected = f"gitdir: {self.git_dir}\n"
        try:
            info = os.lstat(dot_git)
            if stat.S_ISREG(info.st_mode) and dot_git.read_text(errors="replace") == expected:
                return
            shutil.rmtree(dot_git) if stat.S_ISDIR(info.st_mode) else dot_git.unlink()
        except FileNotFoundError:
            pass
        dot_git.write_text(expected)
        self.repairs.append("the worktree's .git was replaced or changed: restored the pointer sparkwright made")

    def watch_git_dir(self) -> None:
        """Remember what of the user's repository a command could change, to put it back afterwards."""
        self._guard.watch()

    def restore_git_dir(self) -> None:
        """Undo a command's changes to the user's repository (`git config`, a planted hook, moved refs)."""
        self.repairs += self._guard.restore()

    def take_repairs(self) -> list[str]:
        taken, self.repairs = self.repairs, []
        return taken


def _added(repo: Repo, common: Path, path: Path, args: list[str]) -> Path:
    """`git worktree add ARGS` for `path`; the worktree's admin directory, as git records it."""
    repo.git.worktree("prune")
    try:
        repo.git.worktree("add", *args)
    except GitCommandError as exc:
        raise RepoError(f"could not create a worktree at {path}: {exc.stderr.strip()}") from None
    git_dir = _admin_dir(common, path)
    if git_dir is None:
        raise RepoError(
            f"git made the worktree {path} but does not list it: run `git worktree prune` in {repo.working_dir}"
        )
    return git_dir


def _admin_dir(common: Path, worktree: Path) -> Path | None:
    """The admin directory git keeps for `worktree` (its `gitdir` file names the worktree's `.git`)."""
    target = str(worktree / ".git")
    for candidate in (common / "worktrees").glob("*/gitdir"):
        try:
            if candidate.read_text().strip() in (target, str(worktree.resolve() / ".git")):
                return candidate.parent
        except OSError:
            continue
    return None
