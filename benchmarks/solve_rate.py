"""Solve rate on our own small bug-fix tasks (benchmarks/tasks/): sparkwright against one prompt to the same model.

Each task is a tiny repo, an issue a user would write, hidden fail-to-pass tests and a reference fix. Every run
starts from a fresh copy in a temporary directory (never fix/); in the `visible` variant the hidden tests are in
the repo before the job (the failing test is there to see), in `hidden` only the issue says what is wrong. A result
is graded with the task's own tests and test configuration restored over it, and counts only when the hidden
tests ran and passed (and, for a `new_test` task, a new test fails on the original code).

Modes: baseline (the single prompt a quick job's first candidate sends, word for word, with the files triage
finds, temperature 0), baseline-oracle-files (the same with the task's own file list), oracle (N baseline samples
at a temperature, solved if any passes: what a perfect chooser would get; needs --oracle-samples), quick,
quick-sequential (quick with one candidate at a time, to compare with quick's candidates at once), planned.

    python benchmarks/solve_rate.py --verify                     # every task is honest in both variants
    python benchmarks/solve_rate.py [--modes baseline,quick] [--variants visible,hidden] [--tasks a,b]
        [--timeout 240] [--oracle-samples 5 --oracle-temperature 0.8] [--parallel 4] [--keep]
        [--deep-model M --fast-model M --base-url URL ...] [--run-arg=--flag ...] [--out FILE.jsonl]

Models come from the settings sparkwright reads (config file, SPARKWRIGHT_* variables) or the flags above.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.errors import UserError  # noqa: E402
from benchmarks.solverate.report import GROUPS, HEADER, Result, row, summary, summary_lines  # noqa: E402
from benchmarks.solverate.runs import BASELINES, MODES, Run, model_settings, run_mode  # noqa: E402
from benchmarks.solverate.tasks import TASKS, VARIANTS, Task, load_tasks  # noqa: E402
from benchmarks.solverate.verify import verify  # noqa: E402

MODEL_FLAGS = ("deep_model", "fast_model", "base_url", "deep_base_url", "fast_base_url")
RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verify", action="store_true", help="check the tasks themselves; no model needed")
    parser.add_argument("--modes", default="baseline,baseline-oracle-files,quick,planned", help=", ".join(MODES))
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated: visible, hidden")
    parser.add_argument("--tasks", default="", help="comma-separated task names (default: all)")
    parser.add_argument("--tasks-dir", type=Path, default=TASKS, help="where the tasks are (default: bundled)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per job (and per baseline reply)")
    parser.add_argument("--oracle-samples", type=int, default=0, help="baseline samples of the oracle row; 0: none")
    parser.add_argument("--oracle-temperature", type=float, default=0.8, help="the oracle samples' temperature")
    parser.add_argument(
        "--baseline-tier", choices=("fast", "deep"), default="fast", help="whose model the baselines ask"
    )
    parser.add_argument("--keep", action="store_true", help="leave each job's home and record under the results")
    parser.add_argument("--out", type=Path, help="JSON lines file (default benchmarks/results/solve_rate-TIME.jsonl)")
    parser.add_argument("--run-arg", action="append", default=[], help="extra argument for `sparkwright run`")
    parser.add_argument(
        "--parallel",
        type=int,
        help="candidates a quick job runs at once (default: the setting's, 1); add the quick-sequential mode to "
        "compare with one at a time in the same run",
    )
    for flag in MODEL_FLAGS:
        parser.add_argument("--" + flag.replace("_", "-"))
    args = parser.parse_args(argv)
    args.modes = [m for m in args.modes.split(",") if m]
    if args.oracle_samples > 0 and "oracle" not in args.modes:
        args.modes.append("oracle")
    if bad := [m for m in args.modes if m not in MODES]:
        parser.error(f"unknown mode {', '.join(bad)}: use {', '.join(MODES)}")
    if "oracle" in args.modes and args.oracle_samples < 1:
        parser.error("the oracle mode needs --oracle-samples N (N ≥ 1)")
    args.variants = [v for v in args.variants.split(",") if v]
    if bad := [v for v in args.variants if v not in VARIANTS]:
        parser.error(f"unknown variant {', '.join(bad)}: use {', '.join(VARIANTS)}")
    # The baselines last: a server that keeps evicted prompts in host memory (llama.cpp's --cache-ram, on by
    # default) answers a mode's first request from what an earlier mode sent, whatever its slots hold. The baseline
    # sends quick's first request word for word: run after, any head start is the baseline's, never ours (on
    # llama.cpp it asks for none: Run.model).
    args.modes.sort(key=lambda m: (m in BASELINES, MODES.index(m)))
    return args


def run_verify(tasks: list[Task]) -> int:
    bad = 0
    for task in tasks:
        problem = verify(task)
        bad += problem is not None
        print(f"{task.name:<22} {task.kind:<13} {'ok' if problem is None else 'BAD: ' + problem}", flush=True)
    print(f"{len(tasks) - bad} of {len(tasks)} tasks ok (visible and hidden variants)")
    return 1 if bad else 0


def measure(args: argparse.Namespace, tasks: list[Task], out: Path) -> None:
    run = Run(args, *model_settings(args, MODEL_FLAGS), keep=RESULTS / (out.stem + "-jobs") if args.keep else None)
    print(f"models: {json.dumps(run.resolved)}  commit: {run.commit}  tasks: {len(tasks)}  results: {out}")
    print(HEADER, flush=True)
    done: dict[tuple[str, str], list[Result]] = {}
    with out.open("w") as sink:
        for variant in args.variants:
            for mode in args.modes:
                for result in run_mode(run, mode, variant, tasks):
                    done.setdefault((mode, variant), []).append(result)
                    sink.write(json.dumps(run.info(result) | asdict(result)) + "\n")
                    sink.flush()
                    print(row(result) + (f"\n  kept: {result.kept}" if result.kept else ""), flush=True)
        for variant in args.variants:
            print(f"\n{variant} variant ({'failing tests in the repo' if variant == 'visible' else 'issue only'})")
            for (_, v), results in done.items():
                if v != variant:
                    continue
                # Multi-step tasks (a feature over several files) apart from one-function bugs, and all together.
                for group in GROUPS:
                    part = [r for r in results if group in ("all", r.group)]
                    if part and (group == "all" or len(part) < len(results)):
                        reference = [r for r in done.get(("baseline", variant), []) if group in ("all", r.group)]
                        totals = summary(part, reference) | {"group": group}
                        sink.write(json.dumps({"summary": totals}) + "\n")
                        print("\n".join(summary_lines(totals)))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = load_tasks([t for t in args.tasks.split(",") if t] or None, args.tasks_dir)
    if args.verify:
        return run_verify(tasks)
    out = args.out or RESULTS / f"solve_rate-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        measure(args, tasks, out)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
