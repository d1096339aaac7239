"""Jobs per minute through the queue with 1, 2 and 4 worker processes, side by side with the same jobs run
one after another with `run`; and the queue's overhead per job: submit → first model call.

Every job is the same scripted three-step job whose model replies each take DELAY seconds (a stand-in for
a model's latency); workers and `run` use the local sandbox and one SQLite record (or --db URL).

    python benchmarks/throughput.py [--jobs 8] [--delay 0.5] [--workers 1,2,4] [--broker-url redis://…] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from state import SqlStore  # noqa: E402
from state.models import utcnow  # noqa: E402
from tests.conftest import git, make_repo  # noqa: E402
from tests.queue_fixtures import note_scripts  # noqa: E402

ISSUE = "Add notes A, B and C."


def sparkwright(*args: object, env: dict[str, str], **kwargs: object) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "agent", *map(str, args)]
    return subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]


def first_call(store: SqlStore, job_id: str) -> datetime:
    return store.events(job_id, kinds=["model_call"])[0].ts


def one_after_another(
    tmp: Path, jobs: int, env: dict[str, str], deep: str, fast: str, db: str
) -> tuple[float, list[float]]:
    """`run` per job, as a user without the queue would: process start → first model call per job."""
    repo = make_repo(tmp / "local-repo")
    delays, start = [], time.monotonic()
    for _ in range(jobs):
        began = utcnow()
        args = ("run", "--repo", repo, "--issue", ISSUE, "--deep-model", deep, "--fast-model", fast, "--json")
        sparkwright(*args, "--db", db, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait()
        with SqlStore(db) as store:
            delays.append((first_call(store, store.jobs()[0].id) - began).total_seconds())
    return time.monotonic() - start, delays


def through_queue(
    tmp: Path, workers: int, jobs: int, env: dict[str, str], deep: str, fast: str, db: str, broker: str, origin: Path
) -> tuple[float, list[float]]:
    redis.Redis.from_url(broker).flushdb()
    procs = []
    for n in range(workers):
        log = (tmp / f"worker-{workers}-{n}.log").open("wb")
        worker_env = dict(env, SPARKWRIGHT_HOME=str(tmp / f"host-{workers}-{n}"))
        procs.append(
            sparkwright(
                "worker",
                "--db",
                db,
                "--broker-url",
                broker,
                "--no-beat",
                env=worker_env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        )
    for n in range(workers):
        while b" ready." not in (tmp / f"worker-{workers}-{n}.log").read_bytes():
            time.sleep(0.2)
    start, ids = time.monotonic(), []
    try:
        for _ in range(jobs):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "agent",
                    "submit",
                    "--repo-url",
                    origin,
                    "--issue",
                    ISSUE,
                    "--deep-model",
                    deep,
                    "--fast-model",
                    fast,
                    "--db",
                    db,
                    "--broker-url",
                    broker,
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=True,
                text=True,
            )
            ids.append(out.stdout.strip())
        with SqlStore(db) as store:
            while not all(store.effective_status(store.job(i)).finished for i in ids):
                time.sleep(0.2)
            elapsed = time.monotonic() - start
            delays = [(first_call(store, i) - store.job(i).queued_at).total_seconds() for i in ids]
            failed = [i for i in ids if store.job(i).status != "succeeded"]
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait()
    if failed:
        sys.exit(f"jobs {failed} did not succeed: see {tmp}")
    return elapsed, delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.5, help="Seconds each scripted model reply takes.")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--broker-url", default=os.environ.get("SPARKWRIGHT_TEST_REDIS", "redis://127.0.0.1:6379/12"))
    parser.add_argument("--db", help="A postgresql+psycopg:// URL; default a SQLite file per configuration.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sparkwright-throughput-") as name:
        tmp = Path(name)
        env = dict(
            os.environ,
            SPARKWRIGHT_HOME=str(tmp / "home"),
            SPARKWRIGHT_SANDBOX="local",
            SPARKWRIGHT_MODE="planned",
            SPARKWRIGHT_LOCAL_SERVERS="[]",
            PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
        )
        deep, fast = note_scripts(tmp, args.delay)
        origin = tmp / "remotes" / "acme" / "shopcart.git"
        git(tmp, "clone", "-q", "--bare", str(make_repo(tmp / "upstream")), str(origin))
        rows = [
            (
                "run, one after another",
                *one_after_another(tmp, args.jobs, env, deep, fast, args.db or str(tmp / "run.db")),
            )
        ]
        for workers in map(int, args.workers.split(",")):
            db = args.db or str(tmp / f"queue-{workers}.db")
            rows.append(
                (
                    f"queue, {workers} worker(s)",
                    *through_queue(tmp, workers, args.jobs, env, deep, fast, db, args.broker_url, origin),
                )
            )
    base = rows[0][1]
    print(f"{args.jobs} jobs, 3 steps each, {args.delay} s per model reply")
    print(f"{'':26} {'jobs/min':>9} {'speed-up':>9} {'submit→1st call p50':>20} {'p95':>7}")
    for label, elapsed, delays in rows:
        p95 = statistics.quantiles(delays, n=20)[-1] if len(delays) > 1 else delays[0]
        rate, median = args.jobs / elapsed * 60, statistics.median(delays)
        print(f"{label:26} {rate:9.1f} {base / elapsed:8.2f}x {median:19.2f}s {p95:6.2f}s")


if __name__ == "__main__":
    main()
