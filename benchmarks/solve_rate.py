"""Solve rate on our own small bug-fix tasks (benchmarks/tasks/): sparkwright against one prompt, same deep model.

Each task is a tiny repo, an issue a user would write, hidden fail-to-pass tests and a reference fix.
Every mode starts from a fresh scratch git repo made from the task; the result is checked out apart,
the hidden tests are copied over it and the task's test command decides: solved when it exits 0.

    python benchmarks/solve_rate.py --verify                     # every task fails without its fix, passes with it
    python benchmarks/solve_rate.py [--modes baseline,quick,planned] [--tasks a,b] [--timeout 600]
        [--deep-model M --fast-model M --base-url URL ...] [--run-arg=--flag ...] [--out FILE.jsonl]

Models come from the settings sparkwright reads (config file, SPARKWRIGHT_* variables) or the flags above.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.config import load_settings  # noqa: E402
from agent.errors import UserError  # noqa: E402
from agent.models.llm import LLM, make_chat_model  # noqa: E402
from benchmarks.solverate.agent_run import mode_args, run_agent, run_help  # noqa: E402
from benchmarks.solverate.baseline import run_baseline  # noqa: E402
from benchmarks.solverate.report import HEADER, Result, row, summary, summary_line  # noqa: E402
from benchmarks.solverate.tasks import TASKS, Task, load_tasks, verify  # noqa: E402

MODES = ("baseline", "quick", "planned")
MODEL_FLAGS = ("deep_model", "fast_model", "base_url", "deep_base_url", "fast_base_url")
RESULTS = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verify", action="store_true", help="check the tasks themselves; no model needed")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated: baseline, quick, planned")
    parser.add_argument("--tasks", default="", help="comma-separated task names (default: all)")
    parser.add_argument("--tasks-dir", type=Path, default=TASKS, help="where the tasks are (default: bundled)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per sparkwright job")
    parser.add_argument("--out", type=Path, help="JSON lines file (default benchmarks/results/solve_rate-TIME.jsonl)")
    parser.add_argument("--run-arg", action="append", default=[], help="extra argument for `sparkwright run`")
    for flag in MODEL_FLAGS:
        parser.add_argument("--" + flag.replace("_", "-"))
    args = parser.parse_args(argv)
    args.modes = [m for m in args.modes.split(",") if m]
    if bad := [m for m in args.modes if m not in MODES]:
        parser.error(f"unknown mode {', '.join(bad)}: use {', '.join(MODES)}")
    return args


def run_verify(tasks: list[Task]) -> int:
    bad = 0
    for task in tasks:
        problem = verify(task)
        bad += problem is not None
        print(f"{task.name:<16} {task.kind:<13} {'ok' if problem is None else 'BAD: ' + problem}", flush=True)
    print(f"{len(tasks) - bad} of {len(tasks)} tasks ok")
    return 1 if bad else 0


def model_flags(args: argparse.Namespace) -> tuple[dict[str, str], list[str]]:
    """The resolved model settings, and them as `sparkwright run` flags (its own home has no config file)."""
    settings = load_settings(None, **{f: getattr(args, f) for f in MODEL_FLAGS})
    resolved = {f: getattr(settings, f) for f in MODEL_FLAGS if getattr(settings, f)}
    return resolved, [part for f, v in resolved.items() for part in ("--" + f.replace("_", "-"), v)]


def deep_llm(resolved: dict[str, str]) -> LLM:
    spec = resolved.get("deep_model")
    if not spec:
        raise UserError("no deep model: set SPARKWRIGHT_DEEP_MODEL or pass --deep-model provider:model")
    return LLM("deep", spec, make_chat_model(spec, resolved.get("deep_base_url") or resolved.get("base_url")))


def run_mode(mode: str, tasks: list[Task], args: argparse.Namespace, resolved: dict[str, str], flags: list[str]):
    if mode == "baseline":
        model = deep_llm(resolved)
        for task in tasks:
            with tempfile.TemporaryDirectory(prefix=f"solve-{task.name}-") as tmp:
                yield run_baseline(task, model, Path(tmp))
        return
    extra = mode_args(mode, run_help())
    if extra is None:
        print(f"{mode}: skipped: --{mode} not available", flush=True)
        return
    for task in tasks:
        with tempfile.TemporaryDirectory(prefix=f"solve-{task.name}-") as tmp:
            yield run_agent(task, mode, [*extra, *flags, *args.run_arg], Path(tmp), args.timeout)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tasks = load_tasks([t for t in args.tasks.split(",") if t] or None, args.tasks_dir)
    if args.verify:
        return run_verify(tasks)
    try:
        resolved, flags = model_flags(args)
        out = args.out or RESULTS / f"solve_rate-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"models: {json.dumps(resolved)}  tasks: {len(tasks)}  results: {out}\n{HEADER}", flush=True)
        by_mode: dict[str, list[Result]] = {}
        with out.open("w") as sink:
            for mode in args.modes:
                for result in run_mode(mode, tasks, args, resolved, flags):
                    by_mode.setdefault(mode, []).append(result)
                    sink.write(json.dumps(asdict(result)) + "\n")
                    sink.flush()
                    print(row(result), flush=True)
            print()
            for mode, results in by_mode.items():
                totals = summary(mode, results)
                sink.write(json.dumps({"summary": totals}) + "\n")
                print(summary_line(totals))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
