"""Real `sparkwright worker` processes on a real Redis broker, each with a home of its own (as on its own host),
sharing one job record; a bare repository stands in for the jobs' origin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from state import SqlStore
from tests.conftest import git, make_repo
from tests.scripting import PLANNER, REVIEW, plan, step, tc

ROOT = Path(__file__).resolve().parent.parent
NOTES = ("A", "B", "C")
STEP_TITLES = [f"Add note {name}" for name in NOTES]


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    bare = tmp_path / "remotes" / "acme" / "shopcart.git"
    git(tmp_path, "clone", "-q", "--bare", str(make_repo(tmp_path / "upstream")), str(bare))
    return bare


def note_scripts(tmp: Path, delay: float) -> tuple[str, str]:
    """Three steps, each writing one note file; every reply takes `delay` seconds, as a model's would."""
    steps = [
        step(title, f"test -f {name}.md", files=[f"{name}.md"]) for title, name in zip(STEP_TITLES, NOTES, strict=True)
    ]
    deep = {
        "delay": delay,
        "rules": [
            {"match": PLANNER, "replies": [plan(*steps, test_command="true")]},
            {"match": REVIEW, "replies": [tc("finish_job", summary="Notes added.", uncertainties=[])]},
        ],
    }
    fast = {
        "delay": delay,
        "rules": [
            {
                "match": f"Your step: {title}",
                "replies": [tc("create_file", path=f"{name}.md", content=f"note {name}\n"), tc("finish", summary="ok")],
            }
            for title, name in zip(STEP_TITLES, NOTES, strict=True)
        ],
    }
    (tmp / "deep.json").write_text(json.dumps(deep))
    (tmp / "fast.json").write_text(json.dumps(fast))
    return f"scripted:{tmp / 'deep.json'}", f"scripted:{tmp / 'fast.json'}"


@dataclass
class Workers:
    """Worker processes, each in a process group of its own so that a test can kill one whole, like a host."""

    db: str
    broker: str
    tmp: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, concurrency: int = 1, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        own = {"SPARKWRIGHT_HOME": str(self.tmp / f"host-{name}"), "SPARKWRIGHT_SWEEP_SECONDS": "1", **(env or {})}
        env = dict(os.environ, **own)
        log = (self.tmp / f"worker-{name}.log").open("wb")
        db = os.environ.get("SPARKWRIGHT_DB", self.db)
        argv = [sys.executable, "-m", "agent", "worker", "-c", str(concurrency), "--db", db]
        proc = subprocess.Popen(
            [*argv, "--broker-url", self.broker], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL the worker and its pool processes at once: a lost host."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def runs(self, name: str, lease_owner: str | None) -> bool:
        """Whether the lease owner (host:pid) is a process of this worker."""
        pid = (lease_owner or "").rpartition(":")[2]
        try:
            return pid.isdigit() and os.getpgid(int(pid)) == self.procs[name].pid
        except ProcessLookupError:
            return False

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp.glob("worker-*.log")))


def _done(store: SqlStore, job_id: str) -> bool:
    job = store.job(job_id)
    if not store.effective_status(job).finished:
        return False
    return job.status != "succeeded" or not job.settings["push"] or bool(store.events(job_id, kinds=["delivered"]))


@pytest.fixture(params=["sqlite", "postgres"])
def record(request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqlStore]:
    """The shared record, on SQLite (every worker on this machine) and on Postgres; every command uses it."""
    url = str(home / "sparkwright.db") if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    monkeypatch.setenv("SPARKWRIGHT_DB", url)
    with SqlStore(url) as store:
        yield store


@pytest.fixture
def workers(tmp_path: Path, redis_url: str, home: Path) -> Iterator[Workers]:
    pool = Workers(str(home / "sparkwright.db"), redis_url, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()


def wait_until_finished(store: SqlStore, ids: list[str], workers: Workers, timeout: float = 180) -> None:
    """Until every job has ended and, if it asked to be pushed and succeeded, has been pushed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_done(store, job_id) for job_id in ids):
            return
        time.sleep(0.5)
    states = {job_id: store.job(job_id).status for job_id in ids}
    pytest.fail(f"jobs did not finish in {timeout} s: {states}\n{workers.logs()}")
