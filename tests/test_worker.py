"""A step attempt's budgets and stops, on the real loop with a scripted model and the local sandbox."""

from __future__ import annotations

import pytest

from agent.engine.conversation.loop import Budget
from agent.engine.step.attempt import StepAttempt
from agent.models.llm import LLM
from agent.models.scripted import Rule, ScriptedChatModel, call, reply
from sandbox import CommandResult, LocalSandbox
from tools import Toolbox, worker_tools


def loop(tmp_path, replies, budget=Budget(50, 600, 10**9), check=lambda: CommandResult(1, "1 failed", 0.01)):
    (tmp_path / "a.py").write_text("".join(f"x{n} = {n}\n" for n in range(100)))
    events = []
    worker = StepAttempt(
        llm=LLM("fast", "scripted:t", ScriptedChatModel(rules=[Rule(replies=replies)])),
        toolbox=Toolbox(worker_tools(LocalSandbox(tmp_path), 30)),
        check=check,
        budget=budget,
        emit=lambda kind, **p: events.append((kind, p)),
        interrupted=lambda: None,
        steering=list,
    )
    return worker, events


def browsing(n: int):
    return [call("view_file", path="a.py", start=i, end=i) for i in range(1, n + 1)]


@pytest.mark.parametrize(
    "budget, reason",
    [
        (Budget(3, 600, 10**9), "turn budget used up (3 model calls)"),
        (Budget(50, 0, 10**9), "time budget used up (0s)"),
        (Budget(50, 600, 1), "token budget used up (1 tokens)"),
    ],
)
def test_budgets_end_the_attempt_with_the_reason(tmp_path, budget, reason):
    worker, _ = loop(tmp_path, browsing(40), budget)
    result = worker.run("system", "brief")
    assert (result.outcome, result.reason) == ("budget", reason)


def test_a_passing_check_is_the_only_way_to_pass(tmp_path):
    worker, events = loop(
        tmp_path,
        [call("finish", summary="done?"), call("finish", summary="done!")],
        check=iter([CommandResult(1, "E assert 1 == 2", 0.1), CommandResult(0, "1 passed", 0.1)]).__next__,
    )
    result = worker.run("system", "brief")
    assert result.outcome == "passed" and result.summary == "done!"
    assert [p["passed"] for kind, p in events if kind == "check"] == [False, True]
    fed_back = [p["output"] for kind, p in events if kind == "tool_call" and p["tool"] == "finish"]
    assert "NOT done" in fed_back[0] and "assert 1 == 2" in fed_back[0]


def test_replies_without_tool_calls_are_nudged_then_end_as_a_loop(tmp_path):
    worker, _ = loop(tmp_path, [reply("I think the bug is in a.py.")])
    result = worker.run("system", "brief")
    assert result.outcome == "loop" and result.turns == 3
    assert "Reply with a tool call" in worker.messages[3].content


def test_stuck_carries_the_hypothesis(tmp_path):
    worker, _ = loop(tmp_path, [call("stuck", reason="tests contradict", hypothesis="the spec changed")])
    result = worker.run("system", "brief")
    assert (result.outcome, result.hypothesis) == ("stuck", "the spec changed")
    assert "tests contradict" in result.reason


def test_a_repeated_call_is_answered_with_what_it_said_then_ends_as_a_loop(tmp_path):
    worker, events = loop(tmp_path, [call("view_file", path="missing.py")])
    result = worker.run("system", "brief")
    assert result.outcome == "loop" and result.turns == 3
    assert "view_file(path='missing.py')" in result.reason
    first, second = [m.content for m in worker.messages if m.type == "tool"]
    assert "You already made this exact view_file call" in second and first in second
    assert [p["output"] for kind, p in events if kind == "tool_call"].count(first) == 3, "the record keeps the truth"
