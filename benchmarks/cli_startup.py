"""How long `sparkwright` takes to start: `--help`, and `resume` of a long job up to its next model call.

Each is timed RUNS times from process start (Python and imports included); the median and the best are printed.
Every `resume` carries on the same job, killed at the first model call after STEPS done steps (as in
resume_latency.py): its directory is restored from a copy before each run, and the run is killed at that call.

    python benchmarks/cli_startup.py [RUNS] [STEPS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.resume_latency import killed_job, time_resume  # noqa: E402


def help_seconds() -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "agent", "--help"], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def resume_seconds(job: Path, saved: Path, job_id: str) -> tuple[float, float]:
    shutil.rmtree(job)
    shutil.copytree(saved, job, symlinks=True)
    wall, in_process, _ = time_resume(job / "home", job_id, finish=False)
    return wall, in_process


def report(name: str, samples: list[float]) -> None:
    print(f"{name:<44} median {statistics.median(samples):.3f}s   best {min(samples):.3f}s   ({len(samples)} runs)")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    report("--help", [help_seconds() for _ in range(runs)])
    with tempfile.TemporaryDirectory() as tmp_dir:
        job, saved = Path(tmp_dir) / "job", Path(tmp_dir) / "saved"
        job.mkdir()
        _, job_id = killed_job(job, steps)
        shutil.copytree(job, saved, symlinks=True)
        resumes = [resume_seconds(job, saved, job_id) for _ in range(runs)]
    report(f"resume ({steps} done steps) -> next model call", [wall for wall, _ in resumes])
    report("  of which after the job's resumption", [in_process for _, in_process in resumes])


if __name__ == "__main__":
    main()
