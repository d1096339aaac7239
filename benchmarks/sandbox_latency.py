"""Latency of a trivial command (`true`): local sandbox, raw `docker exec`, DockerSandbox, side by side.

    python benchmarks/sandbox_latency.py [--runs 200] [--image IMAGE]

The two `docker exec` rows and DockerSandbox use the same container. Needs a Docker engine and
the image (`bash scripts/build-image.sh` builds the default one offline).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable from a checkout, uninstalled

from sandbox.docker import LOCAL_IMAGE, DockerSandbox, DockerSandboxConfig  # noqa: E402
from sandbox.local import LocalSandbox  # noqa: E402


def percentiles(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds, after a few warm-up calls."""
    for _ in range(5):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49], cuts[94]


def measure(runs: int, image: str) -> list[tuple[str, float, float]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="sparkwright-bench-") as workspace:
        with LocalSandbox(Path(workspace)) as local:
            rows.append(("LocalSandbox", *percentiles(lambda: local.run("true", 10), runs)))
        started = time.perf_counter()
        with DockerSandbox(Path(workspace), "benchmark-latency", DockerSandboxConfig(image=image)) as docker:
            docker.run("true", 10)
            start_ms = (time.perf_counter() - started) * 1000
            container, user = docker.container, docker.user
            rows.append(
                ("docker exec (SDK exec_run)", *percentiles(lambda: container.exec_run("true", user=user), runs))
            )
            cli = ["docker", "exec", "-u", user, container.id, "true"]
            rows.append(("docker exec (CLI)", *percentiles(lambda: subprocess.run(cli, check=True), runs)))
            rows.append(("DockerSandbox", *percentiles(lambda: docker.run("true", 10), runs)))
    rows.append(("DockerSandbox start to first result", start_ms, float("nan")))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--image", default=LOCAL_IMAGE)
    args = parser.parse_args()
    rows = measure(args.runs, args.image)
    print(f"`true`, {args.runs} runs each, image {args.image}")
    print(f"{'backend':<38}{'p50 ms':>9}{'p95 ms':>9}")
    for name, p50, p95 in rows:
        print(f"{name:<38}{p50:>9.2f}{p95:>9.2f}".replace("nan", "   "))


if __name__ == "__main__":
    main()
