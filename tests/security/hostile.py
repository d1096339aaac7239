"""A hostile job through the real CLI, and the checks made afterwards on the HOST (see conftest.py)."""

from __future__ import annotations

import base64
import faulthandler
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from agent.cli import app
from sandbox.container import WORKSPACE_LABEL, connect, job_containers, remove
from state import SqlStore
from tests.conftest import git
from tests.sandbox_fixtures import image_under_test
from tests.scripting import PLANNER, finish_review, note_step, plan, tc, write_note, write_script

ROOT = Path(__file__).resolve().parents[2]

SECRETS = {
    "OPENAI_API_KEY": "sk-proj-SPWopenaiK3yQ7d1e9f2a6b4c",
    "ANTHROPIC_API_KEY": "sk-ant-api03-SPWanthropicK3yX8y7w6v5u",
    "GITHUB_TOKEN": "ghp_SPWgithubT0kenA1b2C3d4E5f6G7h8I9j0",
    "DATABASE_URL": "postgres://user:s3cretpw@host/db",
}
SECRET_NEEDLES = (
    SECRETS["OPENAI_API_KEY"],
    SECRETS["ANTHROPIC_API_KEY"],
    SECRETS["GITHUB_TOKEN"],
    "s3cretpw",
    # The form git's Authorization header carries the token in.
    base64.b64encode(f"x-access-token:{SECRETS['GITHUB_TOKEN']}".encode()).decode(),
)
HOST_TOKEN = "SPWhostCanaryT0ken-7f3a9c1e"
"""The content of a host file outside the worktree: must never reach the record or the output."""
NAME_TOKEN = "SPWnameT0ken-b81d44"
"""Part of a host file's *name* outside the worktree: listing the host must not record it."""
REVISE = "back on a job that has finished"
NOTE = "STEP-NOTE.md"
"""What each planned step writes by default."""
"""Opening words of the planner's brief in a `revise` round."""
JOB_TIMEOUT = 150.0
"""Seconds any one CLI run may take before the test calls it hung."""


def db_bytes(home: Path) -> bytes:
    """The raw bytes of the job database and its -wal and -shm files: what a thief of the file gets."""
    db = home / "sparkwright.db"
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())


def assert_no_secret(surfaces: dict[str, bytes | str], needles: Iterable[str] = SECRET_NEEDLES) -> None:
    """No needle occurs in any surface (name -> bytes or text)."""
    found = [
        (name, needle)
        for name, data in surfaces.items()
        for needle in needles
        if needle.encode() in (data.encode(errors="replace") if isinstance(data, str) else data)
    ]
    assert not found, f"secrets leaked: {found}"


def tree_state(root: Path, times: bool = True) -> dict[str, tuple]:
    """Everything under `root` (not following links): mode, size, mtime (unless not `times`), content hash and
    link target of each entry, and the mode and mtime of `root` itself."""
    state = {}
    if not os.path.lexists(root):
        return state
    for directory, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(directory, name)
            info = os.lstat(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else None
            state[str(path.relative_to(root))] = (
                info.st_mode,
                info.st_size,
                info.st_mtime_ns if times else None,
                digest,
                os.readlink(path) if path.is_symlink() else None,
            )
    info = os.lstat(root)
    state["."] = (info.st_mode, info.st_mtime_ns if times else None)
    return state


def assert_same_tree(before: dict[str, tuple], after: dict[str, tuple], where: str) -> None:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"{where} changed: {changed}"


@dataclass
class Host:
    """Files outside every worktree that the attacks aim at."""

    root: Path
    canary: Path
    """Overwriting or chmod-ing it is a host write."""
    secret: Path
    """Holds HOST_TOKEN: reading it into the record is a host read."""
    outside: Path
    """An empty directory: anything appearing in it is a host write."""
    markers: Path
    """Where a host command run by a payload would leave its marker."""

    def marker(self, name: str) -> Path:
        return self.markers / name

    def snapshot(self) -> dict[str, tuple]:
        return tree_state(self.root)


@dataclass(frozen=True)
class RepoState:
    """The user's checkout as a job must leave it (the job's own branch and worktree entry aside)."""

    head: str
    branch: str
    status: str
    refs: str
    """Every ref but the job branches sparkwright makes (refs/heads/sparkwright/...)."""
    files: dict[str, tuple]

    @classmethod
    def of(cls, repo: Path) -> RepoState:
        files = {k: v for k, v in tree_state(repo).items() if k not in (".", ".git") and not k.startswith(".git/")}
        refs = "\n".join(
            line
            for line in git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
            if not line.startswith("refs/heads/sparkwright/")
        )
        return cls(
            git(repo, "rev-parse", "HEAD"),
            git(repo, "branch", "--show-current"),
            git(repo, "status", "--porcelain"),
            refs,
            files,
        )


def repo_config(repo: Path) -> tuple[bytes, dict[str, tuple]]:
    """The user's repo config and hooks, read as files: running git there could run what an attack put in.

    The hooks' content and modes count, not their times: in the local sandbox a command can write a hook,
    and putting it back (what sparkwright can do) leaves new times behind."""
    return (repo / ".git" / "config").read_bytes(), tree_state(repo / ".git" / "hooks", times=False)


@dataclass
class Outcome:
    """One CLI run: exit code (None when it was killed for taking too long), output, peak memory."""

    code: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    maxrss_mb: float = 0.0
    exception: BaseException | None = None


class Running:
    """A CLI process started in the background (its own session, output to files)."""

    def __init__(self, args: Sequence[str], workdir: Path, env: dict[str, str] | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self._out, self._err = (workdir / "stdout").open("w+b"), (workdir / "stderr").open("w+b")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "agent", *map(str, args)],
            cwd=ROOT,
            env=env or dict(os.environ),
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
            start_new_session=True,
        )

    def wait(self, timeout: float = JOB_TIMEOUT) -> Outcome:
        """Wait at most `timeout` seconds; past it, kill the whole process group."""
        deadline, timed_out = time.monotonic() + timeout, False
        while True:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                timed_out = True
                os.killpg(self.proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(self.proc.pid, 0)
                break
            time.sleep(0.05)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        return Outcome(
            None if timed_out else self.proc.returncode,
            self._read(self._out),
            self._read(self._err),
            timed_out,
            usage.ru_maxrss / 1024,
        )

    @staticmethod
    def _read(stream) -> str:
        stream.seek(0)
        text = stream.read().decode(errors="replace")
        stream.close()
        return text


def in_process(*args: Any, timeout: float = JOB_TIMEOUT) -> Outcome:
    """The CLI in this process (no interpreter start-up to pay); a hang past `timeout` ends the session."""
    faulthandler.dump_traceback_later(timeout + 60, exit=True)
    try:
        result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=True)
    finally:
        faulthandler.cancel_dump_traceback_later()
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Outcome(result.exit_code, result.stdout, result.stderr, exception=exception)


class Attack:
    """A hostile job on the user's repo: scripts in, host-side checks out."""

    def __init__(self, kind: str, repo: Path, home: Path, tmp: Path, host: Host) -> None:
        self.kind, self.repo, self.home, self.tmp, self.host = kind, repo, home, tmp, host
        self.outcomes: list[Outcome] = []
        self._runs = 0
        self.hostile_calls: list[str] = []
        """The tool calls of the hostile scripts: a test is only worth something if they were all made."""
        self.rebaseline()

    def rebaseline(self) -> None:
        """Take the host and the user's repo as they are now as the state the attack must leave them in."""
        self.host_before, self.config_before = self.host.snapshot(), repo_config(self.repo)
        self.repo_before = RepoState.of(self.repo)

    def scripts(
        self,
        planner: Sequence[dict] = (),
        worker: Sequence[dict] = (),
        check: str | None = None,
        files: Sequence[str] = (),
        steps: int = 1,
    ) -> tuple[str, str]:
        """The planner explores with `planner`, plans `steps` steps checked by `check`; the worker does `worker`.
        By default each step writes a note (a plan must edit a file and have a check that fails before it)."""
        self._runs += 1

        def planned_step(title: str) -> dict:
            noted = note_step(title, NOTE)
            return {**noted, "check": check or noted["check"], "files": list(files) or noted["files"]}

        deep = write_script(
            self.tmp / f"deep-{self._runs}.json",
            [
                (
                    PLANNER,
                    [*planner, plan(*[planned_step(f"Step {n}") for n in range(1, steps + 1)], test_command="true")],
                ),
                (REVISE, [tc("add_steps", reason="feedback", steps=[planned_step("Follow-up")])]),
                finish_review("done"),
            ],
        )
        fast = write_script(
            self.tmp / f"fast-{self._runs}.json",
            [("Your step", [*worker, write_note(NOTE), tc("finish", summary="done")])],
        )
        return deep, fast

    def run_args(self, deep: str, fast: str, *extra: str) -> list[str]:
        args = [
            "run",
            "--repo",
            self.repo,
            "--issue",
            "Tidy the cart module",
            "--deep-model",
            deep,
            "--fast-model",
            fast,
            "--sandbox",
            self.kind,
            "--json",
            *extra,
        ]
        return args + (["--image", image_under_test()] if self.kind == "docker" else [])

    def job(
        self,
        planner: Sequence[dict] = (),
        worker: Sequence[dict] = (),
        check: str | None = None,
        subprocess: bool = False,
        timeout: float = JOB_TIMEOUT,
        **plan_options: Any,
    ) -> Outcome:
        """Run one hostile job through `sparkwright run`; in a child process when `subprocess`."""
        args = self.run_args(*self.scripts(planner, worker, check, **plan_options))
        self.hostile_calls += [c["tool_calls"][0]["name"] for c in [*planner, *worker]]
        return self.cli(*args, subprocess=subprocess, timeout=timeout)

    def cli(self, *args: Any, subprocess: bool = False, timeout: float = JOB_TIMEOUT) -> Outcome:
        if subprocess:
            outcome = Running(args, self.tmp / f"proc-{len(self.outcomes)}").wait(timeout)
        else:
            outcome = in_process(*args, timeout=timeout)
        self.outcomes.append(outcome)
        if outcome.timed_out and self.kind == "docker":
            reap_containers(self.home)
        return outcome

    def start(self, *args: Any) -> Running:
        return Running(args, self.tmp / f"proc-{len(self.outcomes)}-bg")

    # The checks, on the host.

    def assert_contained(self, leaks: bool = True, worktree_git: bool = True) -> None:
        """No payload ran on the host, nothing outside the worktree changed, the user's checkout and config are
        as they were, the worktree still points into the user's repo, and no secret was recorded or printed."""
        self.assert_attack_made()
        self.assert_host_untouched()
        self.assert_repo_untouched()
        if worktree_git:
            self.assert_worktree_git_intact()
        if leaks:
            self.assert_no_leaks()

    def assert_attack_made(self) -> None:
        """Every hostile tool call was really made, in order (else the test proves nothing)."""
        made = iter(e["tool"] for e in self.events() if e["kind"] == "tool_call")
        missing = [name for name in self.hostile_calls if name not in made]  # `in` consumes: a subsequence test
        assert not missing, f"the hostile script did not get to call {missing}: {self.outcomes[-1].stderr[-2000:]}"

    def assert_host_untouched(self) -> None:
        ran = sorted(os.listdir(self.host.markers))
        assert not ran, f"a payload ran on the host: {ran}"
        assert_same_tree(self.host_before, self.host.snapshot(), "the host directory outside the worktree")

    def assert_repo_untouched(self) -> None:
        config, hooks = repo_config(self.repo)
        assert config == self.config_before[0], f"the user's repo config changed:\n{config.decode(errors='replace')}"
        assert_same_tree(self.config_before[1], hooks, "the user's repo hooks")
        after = RepoState.of(self.repo)
        changed = {
            f: (getattr(self.repo_before, f), getattr(after, f))
            for f in ("head", "branch", "status", "refs")
            if getattr(self.repo_before, f) != getattr(after, f)
        }
        assert not changed, f"the user's checkout changed (before, after): {changed}"
        assert_same_tree(self.repo_before.files, after.files, "the user's checkout")

    # What the job left behind.

    def job_id(self) -> str:
        with SqlStore(self.home / "sparkwright.db") as store:
            jobs = store.jobs()
        assert len(jobs) == 1, f"expected one job, found {len(jobs)}"
        return jobs[0].id

    def job_row(self):
        with SqlStore(self.home / "sparkwright.db") as store:
            return store.job(self.job_id())

    def worktree(self) -> Path:
        return self.home / "worktrees" / self.job_id()

    def events(self) -> list[dict]:
        with SqlStore(self.home / "sparkwright.db") as store:
            return [{"kind": e.kind, **e.payload} for e in store.events(self.job_id())]

    def surfaces(self) -> dict[str, bytes | str]:
        """Everywhere a secret could end up: the raw DB, the events, show, review and every process output."""
        job_id = self.job_id()
        surfaces: dict[str, bytes | str] = {"db": db_bytes(self.home), "events": json.dumps(self.events())}
        for name, args in (
            ("show", ["show", job_id]),
            ("show --json", ["show", job_id, "--json"]),
            ("review", ["review", job_id]),
            ("review --json", ["review", job_id, "--format", "json"]),
        ):
            shown = in_process(*args)
            surfaces[name] = shown.stdout + shown.stderr
        for n, outcome in enumerate(self.outcomes):
            surfaces[f"run {n} output"] = outcome.stdout + outcome.stderr
        return surfaces

    def assert_no_leaks(self, extra_needles: Iterable[str] = ()) -> None:
        assert_no_secret(self.surfaces(), [*SECRET_NEEDLES, HOST_TOKEN, NAME_TOKEN, *extra_needles])

    def assert_worktree_git_intact(self) -> None:
        """The worktree's `.git` is still the pointer `git worktree add` made, into the user's repo."""
        dot_git = self.worktree() / ".git"
        assert dot_git.is_file() and not dot_git.is_symlink(), "the worktree's .git was replaced"
        expected = f"gitdir: {(self.repo / '.git' / 'worktrees' / self.job_id()).resolve()}"
        assert dot_git.read_text().strip() == expected

    def assert_worktree_files_intact(self) -> None:
        """Every file of the job's branch is still in the worktree (nothing deleted behind the job's back)."""
        tracked = git(self.repo, "ls-tree", "-r", "--name-only", self.job_row().branch).splitlines()
        missing = [p for p in tracked if not os.path.lexists(self.worktree() / p)]
        assert tracked and not missing, f"files gone from the worktree: {missing}"


def reap_containers(home: Path) -> None:
    """Remove the containers of jobs under `home` (after a CLI process was killed and could not)."""
    client = connect(timeout=30)
    try:
        for container in job_containers(client):
            if container.labels.get(WORKSPACE_LABEL, "").startswith(str(home)):
                remove(container)
    finally:
        client.close()
