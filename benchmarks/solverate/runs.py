"""One measurement's settings (models, servers, commit, timeout) and each mode run on each task from a staged copy."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from langchain_openai import ChatOpenAI

from agent.config import load_settings
from agent.errors import UserError
from agent.models.llm import LLM, LOCAL_SERVERS, make_chat_model, split_spec
from benchmarks.solverate import baseline
from benchmarks.solverate.agent_run import mode_args, run_agent, run_help
from benchmarks.solverate.report import Result
from benchmarks.solverate.tasks import Staged, Task, stage

MODES = ("baseline", "baseline-oracle-files", "oracle", "quick", "quick-sequential", "planned")
BASELINES = MODES[:3]
ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass
class Run:
    args: argparse.Namespace
    resolved: dict[str, str]
    flags: list[str]
    """The resolved model settings as `sparkwright run` flags (the job's own home has no config file)."""
    keep: Path | None = None
    commit: str = field(init=False)
    cold: bool = field(default=False, init=False)
    """The servers' prompt caches were emptied before the row's task ran."""
    _models: dict[bool, LLM] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.commit = sparkwright_commit()

    def base_url(self, tier: str) -> str | None:
        spec = self.resolved.get(f"{tier}_model", "")
        own = self.resolved.get(f"{tier}_base_url") or self.resolved.get("base_url")
        return own or (LOCAL_SERVERS.get(split_spec(spec)[0]) if spec else None)

    def model(self) -> LLM:
        """The baselines' model: the tier a quick job's first candidate asks (`--baseline-tier`). On a llama.cpp
        server whose slots were emptied (`cold`), its requests reuse nothing of the server's prompt cache: the
        cache it keeps in host memory beside the slots still holds the quick job's first request, which the
        baseline sends word for word, and a user's single prompt is evaluated whole."""
        if self.cold not in self._models:
            tier = self.args.baseline_tier
            spec = self.resolved.get(f"{tier}_model")
            if not spec:
                raise UserError(f"no {tier} model: set SPARKWRIGHT_{tier.upper()}_MODEL or pass --{tier}-model")
            chat = make_chat_model(spec, self.base_url(tier))
            if self.cold and isinstance(chat, ChatOpenAI):
                chat = chat.model_copy(update={"extra_body": {"cache_prompt": False}})
            self._models[self.cold] = LLM(tier, spec, chat)  # type: ignore[arg-type]
        return self._models[self.cold]

    def info(self, result: Result) -> dict[str, object]:
        """What a row was measured with: enough to tell two rows (or two runs) apart."""
        tier = self.args.baseline_tier
        return {
            "deep_model": self.resolved.get("deep_model"),
            "fast_model": self.resolved.get("fast_model"),
            "deep_base_url": self.base_url("deep"),
            "fast_base_url": self.base_url("fast"),
            "baseline_model": self.resolved.get(f"{tier}_model") if result.mode in BASELINES else None,
            "temperature": self.temperature(result.mode),
            "timeout": self.args.timeout,
            "commit": self.commit,
            "run_args": self.args.run_arg,
            "parallel": 1 if result.mode == "quick-sequential" else self.args.parallel,
            "cold_cache": self.cold,
        }

    def temperature(self, mode: str) -> float | str:
        if mode == "oracle":
            return self.args.oracle_temperature
        return 0.0 if mode in BASELINES else "per candidate"


def model_settings(args: argparse.Namespace, names: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    settings = load_settings(None, **{f: getattr(args, f) for f in names})
    resolved = {f: getattr(settings, f) for f in names if getattr(settings, f)}
    return resolved, [part for f, v in resolved.items() for part in ("--" + f.replace("_", "-"), v)]


def sparkwright_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        return done.stdout.strip()

    head = git("rev-parse", "HEAD") or "unknown"
    return head + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def run_mode(run: Run, mode: str, variant: str, tasks: list[Task]) -> Iterator[Result]:
    extra = [] if mode in BASELINES else mode_args(mode, run_help())
    if extra is None:
        print(f"{mode}: skipped: --{mode} not available", flush=True)
        return
    for task in tasks:
        with tempfile.TemporaryDirectory(prefix=f"solve-{task.name}-") as tmp:
            staged = stage(task, variant, Path(tmp) / "task")
            run.cold = cold_caches({u for u in (run.base_url("deep"), run.base_url("fast")) if u})
            if mode in BASELINES:
                result = run_baseline(run, mode, variant, task, staged)
            else:
                flags = [*extra, *run.flags, *run.args.run_arg]
                result = run_agent(task, mode, variant, flags, staged, run.args.timeout, parallel_env(run, mode))
            if run.keep:
                result.kept = str(keep(staged, run.keep / variant / mode / task.name))
            yield result


def cold_caches(base_urls: set[str]) -> bool:
    """Empty every slot's prompt cache of these llama.cpp servers, so that each task's first request is evaluated
    as a user's first request would be, in every mode alike: a greedy reply can change with what the cache held
    (the same request, evaluated on top of a cached prefix, gave another fix). A server without slot actions
    gets one tiny unrelated request on each slot instead, which takes its cache. Whether every server was
    reached."""
    done = bool(base_urls)
    for url in base_urls:
        root = url.rstrip("/").removesuffix("/v1")
        try:
            slots = httpx.get(f"{root}/slots", timeout=5)
            slots.raise_for_status()
            ids = [slot["id"] for slot in slots.json()]
            erased = [httpx.post(f"{root}/slots/{i}", params={"action": "erase"}, timeout=5) for i in ids]
            if any(r.status_code == 501 for r in erased):  # slot actions off (no --slot-save-path)
                for number in ids:
                    _occupy(root, number)
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            done = False  # not llama.cpp: the row says the cache was not emptied
    return done


def _occupy(root: str, slot: int) -> None:
    """One request on this slot (llama.cpp's `id_slot`) that fills its cache with what no task's prompt begins
    with: a system prompt of its own."""
    messages = [{"role": "system", "content": "cold"}, {"role": "user", "content": "cold"}]
    ask = {"messages": messages, "max_tokens": 1, "temperature": 0, "id_slot": slot}
    httpx.post(f"{root}/v1/chat/completions", json=ask, timeout=60).raise_for_status()


def parallel_env(run: Run, mode: str) -> dict[str, str]:
    """`quick-sequential` runs its candidates one after another; the others as `--parallel` says, else as the
    setting says."""
    if mode == "quick-sequential":
        return {"SPARKWRIGHT_PARALLEL_CANDIDATES": "1"}
    return {"SPARKWRIGHT_PARALLEL_CANDIDATES": str(run.args.parallel)} if run.args.parallel else {}


def run_baseline(run: Run, mode: str, variant: str, task: Task, staged: Staged) -> Result:
    files = list(task.files) if mode == "baseline-oracle-files" else baseline.discovered_files(staged)
    count, temperature = (run.args.oracle_samples, run.args.oracle_temperature) if mode == "oracle" else (1, 0.0)
    samples = []
    for number in range(count):
        copy = staged if number == 0 else stage(task, variant, staged.root.parent / f"sample-{number}")
        samples.append(baseline.sample(task, copy, files, run.model(), temperature, run.args.timeout))
    return baseline.result(task, mode, variant, files, samples, run.model())


def keep(staged: Staged, where: Path) -> Path:
    """The staged copy (the repo with the job's branch, its home with the record, its output) under `where`."""
    if where.exists():
        shutil.rmtree(where)
    shutil.copytree(staged.root, where, symlinks=True)
    return where
