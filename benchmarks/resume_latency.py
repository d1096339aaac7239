"""How fast `sparkwright resume` gets a long job back to work.

Builds a real job with STEPS done steps (scripted models, real git, real SQLite), SIGKILLs it at the
first model call of the next step, then resumes it and times the way to that model call: from the
resume process's start, and from the moment the resumed job starts (imports excluded).

    python benchmarks/resume_latency.py [STEPS]
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import make_repo  # noqa: E402
from tests.scripting import PLANNER, finish_review, note_step, plan, tc, write_note, write_script  # noqa: E402


def sparkwright(home: Path, *args: str, fault: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "SPARKWRIGHT_HOME": str(home), "SPARKWRIGHT_SANDBOX": "local", "PYTHONPATH": str(ROOT)}
    if fault:
        env["SPARKWRIGHT_FAULT"] = fault
    return subprocess.Popen(
        [sys.executable, "-m", "agent", *args, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # killed with its git processes, which would go on writing into the repository
    )


def killed_job(tmp: Path, steps: int) -> tuple[Path, str]:
    """A job under `tmp` with `steps` done steps, killed at the first model call of the next: its home and id."""
    repo, home = make_repo(tmp / "repo"), tmp / "home"
    # A note of its own per step: its check fails before the work, so no step reproduces or escalates.
    notes = [f"note-{i}.md" for i in range(steps + 1)]
    deep = write_script(
        tmp / "deep.json",
        [
            (PLANNER, [plan(*[note_step(f"Step {i}", note) for i, note in enumerate(notes)], test_command="true")]),
            finish_review(),
        ],
    )
    fast = write_script(
        tmp / "fast.json",
        [(f"Create {note}.", [write_note(note), tc("finish", summary="noted")]) for note in notes],
    )
    built = time.perf_counter()
    killed = sparkwright(
        home,
        "run",
        "--repo",
        str(repo),
        "--issue",
        "many steps",
        "--planned",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        fault=f"worker.before_model:{2 * steps + 1}",  # two replies a step: the note, then finish
    )
    killed.communicate()
    print(f"built a job with {steps} done steps in {time.perf_counter() - built:.1f}s (exit {killed.returncode})")
    return home, next(p.name for p in (home / "worktrees").iterdir())


def time_resume(home: Path, job_id: str, finish: bool = True) -> tuple[float, float, int | None]:
    """Seconds from `resume`'s start to the next model call, and from the job's resumption to it; the exit code,
    or None when `finish` is off and the resumed job is killed at that call."""
    started = time.perf_counter()
    resumed = sparkwright(home, "resume", job_id)
    assert resumed.stdout is not None
    wall, in_process, resumed_at = float("nan"), float("nan"), None
    for line in resumed.stdout:
        event = json.loads(line)
        if event["kind"] == "job_resumed":
            resumed_at = datetime.fromisoformat(event["ts"])
        if event["kind"] == "model_call" and resumed_at is not None:
            wall = time.perf_counter() - started
            in_process = (datetime.fromisoformat(event["ts"]) - resumed_at).total_seconds()
            break
    if not finish:
        os.killpg(resumed.pid, signal.SIGKILL)
    resumed.communicate()
    return wall, in_process, resumed.returncode if finish else None


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp_dir:
        home, job_id = killed_job(Path(tmp_dir), steps)
        wall, in_process, code = time_resume(home, job_id)
        print(
            f"resume -> next model call: {wall:.3f}s from process start "
            f"(Python + imports included), {in_process:.3f}s from the job's resumption"
        )
        print(f"resumed job exit code: {code}")


if __name__ == "__main__":
    main()
