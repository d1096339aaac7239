"""sparkwright itself on a task: the real CLI in a subprocess, run from the task's staged copy with its own home;
usage, repeats and duplicates read from the job's record."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from agent.views.jobs import job_first_token
from benchmarks.solverate.grading import grade
from benchmarks.solverate.report import Result
from benchmarks.solverate.tasks import Staged, Task, test_env
from state import SqlStore

MODE_FLAGS = {"quick": "--quick", "quick-sequential": "--quick", "planned": "--planned"}


def run_help() -> str:
    done = subprocess.run([sys.executable, "-m", "agent", "run", "--help"], capture_output=True, text=True)
    return done.stdout


def mode_args(mode: str, help_text: str) -> list[str] | None:
    """The flag for `mode`, [] when the CLI has no such flag yet but plans anyway, None when it cannot run."""
    flag = MODE_FLAGS[mode]
    if flag in help_text:
        return [flag]
    return [] if mode == "planned" else None


def run_agent(
    task: Task,
    mode: str,
    variant: str,
    flags: list[str],
    staged: Staged,
    timeout: float,
    settings: dict[str, str] | None = None,
) -> Result:
    """The job runs with the staged directory as its working directory: nothing of this repository is near it;
    `settings` are SPARKWRIGHT_* variables of its own."""
    home = staged.root / "home"
    env = test_env() | {"SPARKWRIGHT_HOME": str(home)} | (settings or {})
    env.pop("SPARKWRIGHT_DB", None)
    env.setdefault("SPARKWRIGHT_SANDBOX_ENV", '["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]')
    command = [sys.executable, "-m", "agent", "run", "--repo", str(staged.repo), "--issue-file", str(staged.issue)]
    command += ["--json", "--sandbox", "local", *flags]
    started = time.perf_counter()
    with (staged.root / "stdout.jsonl").open("w") as out, (staged.root / "stderr.txt").open("w") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=staged.root, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            timed_out = True
    seconds = time.perf_counter() - started
    result = Result(task=task.name, kind=task.kind, mode=mode, variant=variant, solved=False, seconds=seconds)
    branch = read_record(home / "sparkwright.db", result)
    if timed_out:
        result.status = f"timeout after {timeout:.0f} s"
    elif branch is None:
        result.status = "no job: " + _last_line(staged.root / "stderr.txt")
    else:
        verdict = grade(task, staged.repo, branch)
        result.solved = verdict.solved
        result.status = f"{result.status}; {verdict.why}"
    return result


def read_record(db: Path, result: Result) -> str | None:
    """Fills the job's status, per-tier usage, repeats and duplicates into `result`; the job's branch, or None
    without a job. A record from before `repeat` flags or `duplicate` events counts 0 of them."""
    if not db.is_file():
        return None
    with SqlStore(db) as store:
        jobs = store.jobs()
        if not jobs:
            return None
        job = jobs[0]
        result.status = job.status
        calls = store.events(job.id, ["model_call"])
        result.first_cached = int(calls[0].payload.get("tokens_cached", 0)) if calls else 0
        for event in calls:
            tier = event.payload.get("tier", "fast")
            setattr(result, f"{tier}_calls", getattr(result, f"{tier}_calls") + 1)
            setattr(result, f"{tier}_in", getattr(result, f"{tier}_in") + int(event.payload.get("tokens_in", 0)))
            setattr(result, f"{tier}_out", getattr(result, f"{tier}_out") + int(event.payload.get("tokens_out", 0)))
            result.repeats += event.payload.get("repeat") is True
            result.model_seconds += float(event.payload.get("latency_ms", 0)) / 1000
            if tier == "fast" and result.fast_calls > 1:  # the job's first call finds nothing of its own cached
                result.fast_cached += int(event.payload.get("tokens_cached", 0))
                result.fast_in_after_first += int(event.payload.get("tokens_in", 0))
        result.duplicates = len(store.events(job.id, ["duplicate"]))
        result.candidates = len(store.attempts(job.id))
        result.first_token_seconds = job_first_token(store, job.id)
        runs = store.events(job.id, ["triage", "reproduction_tried", "check", "test_run"])
        result.test_seconds = sum(float(e.payload.get("seconds") or 0) for e in runs)
        return job.branch


def _last_line(path: Path) -> str:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"
