"""What the page's buttons do. Steering is written here, as `steer` writes it; everything that runs a job
(resume, approve, revise, push) runs the CLI's own command in a process of its own, which outlives the page
and the server, its output in HOME/serve-logs. A stop is asked through the record, as `stop` asks it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from agent.web.pages import stoppable_pid
from state import JobStatus, SqlStore

EARLY_EXIT_SECONDS = 2.0
MAX_MESSAGE_CHARS = 20_000


class ActionFailed(Exception):
    """The action could not be done; the message is one line for the page."""


@dataclass(frozen=True)
class Launcher:
    db: str
    config: Path | None
    logs: Path

    async def start(self, command: str, job_id: str, *args: str) -> None:
        """Run `sparkwright COMMAND JOB ARGS` in the background. A command that fails at once (a user error)
        is reported here; one that runs on is watched by the job page."""
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{job_id}-{command}-{time.strftime('%Y%m%d-%H%M%S')}.log"
        extra = ["--config", str(self.config)] if self.config else []
        argv = [sys.executable, "-m", "agent", command, job_id, *args, *extra]
        # The database in the environment, not argv: a URL's password would show in every `ps`.
        env = {**os.environ, "SPARKWRIGHT_DB": self.db}
        with log.open("wb") as out:
            # A session of its own: stopping the server (Ctrl-C) leaves the job running.
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True, env=env
            )
        threading.Thread(target=proc.wait, daemon=True).start()  # reaped, so its pid dies with it
        deadline = time.monotonic() + EARLY_EXIT_SECONDS
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if proc.returncode not in (None, 0):
            raise ActionFailed(f"`sparkwright {command}` failed: {last_line(log)}")


def last_line(log: Path) -> str:
    lines = [line.strip() for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def steer(store: SqlStore, job_id: str, message: str) -> None:
    """The same path as `sparkwright steer`: the message waits in the record for the job's next turn."""
    if not message.strip():
        raise ActionFailed("the message is empty: say what the job should do differently")
    job = store.job(job_id)
    if store.effective_status(job).finished:
        raise ActionFailed(f"job {job.id} has finished: send your comments as a revise round from its review page")
    store.add_steering(job.id, message[:MAX_MESSAGE_CHARS])


def stop(store: SqlStore, job_id: str) -> None:
    """As `sparkwright stop`: the record asks the job to stop, wherever it runs; one on this machine also gets
    its Ctrl-C, which stops it without waiting for its next heartbeat."""
    job = store.job(job_id)
    if store.effective_status(job) not in (JobStatus.PLANNING, JobStatus.RUNNING):
        raise ActionFailed(f"job {job.id} is not running")
    store.request_stop(job.id)
    if (pid := stoppable_pid(job)) is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
