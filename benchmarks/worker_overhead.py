"""How long sparkwright's own plumbing holds the fast worker between a model reply and the next call.

Runs the real worker loop with a zero-latency scripted model over N turns, twice side by side:
bare (no recording, no steering) and as shipped (every model and tool call recorded in SQLite,
steering checked each turn). Overhead per turn = gap between model calls minus the tool's own time.

    python benchmarks/worker_overhead.py [TURNS]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_core.language_models import BaseChatModel  # noqa: E402

from agent.compose.recorder import Recorder  # noqa: E402
from agent.engine.conversation.loop import Budget  # noqa: E402
from agent.engine.step.attempt import StepAttempt  # noqa: E402
from agent.models.llm import LLM  # noqa: E402
from agent.models.scripted import Rule, ScriptedChatModel, call  # noqa: E402
from sandbox import CommandResult, LocalSandbox  # noqa: E402
from state import SqlStore  # noqa: E402
from tools import Toolbox, worker_tools  # noqa: E402


class TimedLLM(LLM):
    """Notes when each model call starts and ends, so the gaps between them can be measured."""

    def __init__(self, model: BaseChatModel) -> None:
        super().__init__("fast", "scripted:bench", model)
        self.spans: list[tuple[float, float]] = []

    def invoke(self, messages, tools, temperature=None, max_tokens=None):
        started = time.perf_counter()
        reply = super().invoke(messages, tools, temperature, max_tokens)
        self.spans.append((started, time.perf_counter()))
        return reply


def run(turns: int, workspace: Path, recorded: SqlStore | None) -> list[float]:
    model = ScriptedChatModel(
        rules=[
            Rule(
                replies=[call("view_file", path="cart.py", start=1, end=20)] * turns
                + [call("stuck", reason="benchmark over")]
            )
        ]
    )
    llm = TimedLLM(model)
    tool_seconds: list[float] = []

    def emit(kind: str, **payload) -> None:
        if kind == "tool_call":
            tool_seconds.append(payload["seconds"])
        if recorded is not None:
            recorder.emit(kind, **payload)

    if recorded is not None:
        recorded.create_job(
            id=f"b{time.time_ns()}",
            issue_text="bench",
            repo_path=".",
            base_commit="0",
            branch="b",
            worktree_path=str(workspace),
            deep_model="-",
            fast_model="-",
        )
        job_id = recorded.jobs()[0].id
        recorder = Recorder(recorded, job_id)
    loop = StepAttempt(
        llm=llm,
        toolbox=Toolbox(worker_tools(LocalSandbox(workspace), 60)),
        check=lambda: CommandResult(0, "", 0.0),
        budget=Budget(turns + 5, 3600, 10**9),
        emit=emit,
        interrupted=lambda: None,
        steering=recorder.steering if recorded is not None else list,
        check_failures_allowed=3,
    )
    loop.run("system", "brief")
    if recorded is not None:
        recorder.close()
    gaps = [nxt[0] - prev[1] for prev, nxt in pairwise(llm.spans)]
    return [(gap - tool) * 1000 for gap, tool in zip(gaps, tool_seconds, strict=False)]


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    turns = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp, "ws")
        workspace.mkdir()
        (workspace / "cart.py").write_text("".join(f"line {i}\n" for i in range(200)))
        with SqlStore(Path(tmp, "bench.db")) as store:
            run(20, workspace, store)  # warm-up: imports, SQLite pages
            bare, shipped = [], []
            for _ in range(3):  # interleaved, so drift in the machine's load hits both alike
                bare += run(turns, workspace, None)
                shipped += run(turns, workspace, store)
    print(f"worker plumbing per turn, 3 x {turns} turns (model reply -> next model call, tool time excluded)")
    print(f"{'loop':<34}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for name, values in (("bare (no record, no steering)", bare), ("shipped (SQLite record, steering)", shipped)):
        print(f"{name:<34}{pct(values, 50):>10.3f}{pct(values, 95):>10.3f}{max(values):>10.3f}")
    print(
        f"recording cost: {pct(shipped, 50) - pct(bare, 50):.3f} ms per turn at p50 "
        f"({pct(shipped, 50) / pct(bare, 50):.1f}x the bare loop)"
    )


if __name__ == "__main__":
    main()
