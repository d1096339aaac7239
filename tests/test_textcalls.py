"""Small local models put tool calls in the message text; real replies of Qwen2.5-Coder are the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.messages import AIMessage

from agent.engine.loop import Budget
from agent.engine.worker import StepAttempt
from agent.models.llm import LLM
from agent.models.scripted import Rule, ScriptedChatModel
from agent.models.textcalls import with_text_tool_calls
from sandbox import CommandResult, LocalSandbox
from tools import Toolbox, worker_tools

SAMPLES = [json.loads(line) for line in (Path(__file__).parent / "fixtures/qwen2.5-coder-llamacpp.jsonl").open()]
GCD = "def gcd(a, b):\n    if b == 0:\n        return a\n    else:\n        return gcd(a % b, b)\n"


def sample(model: str, scenario: int) -> str:
    return next(s for s in SAMPLES if s["model"].startswith(model) and s["scenario"] == scenario)["response_message"][
        "content"
    ]


def test_every_sample_reply_becomes_a_structured_tool_call():
    for s in SAMPLES:
        calls = with_text_tool_calls(AIMessage(s["response_message"]["content"])).tool_calls
        assert len(calls) == 1 and calls[0]["args"], s["response_message"]["content"]


def test_fenced_and_bare_json_parse_the_same():
    fenced = with_text_tool_calls(AIMessage(sample("qwen2.5-coder-1.5b", 2))).tool_calls[0]
    bare = with_text_tool_calls(AIMessage(sample("qwen2.5-coder-0.5b", 2))).tool_calls[0]
    assert (
        (fenced["name"], fenced["args"]) == (bare["name"], bare["args"]) == ("run", {"command": "python -m pytest -q"})
    )


def test_prose_that_mentions_json_is_not_executed():
    for text in (
        'I will call {"name": "run", "arguments": {"command": "rm -rf /"}} next.',
        '```json\n{"name": "run", "arguments": {"command": "x"}}\n```\nand then more text',
        '{"not_a_call": 1}',
        "plain words",
    ):
        assert with_text_tool_calls(AIMessage(text)).tool_calls == []


def test_tagged_tool_calls_parse():
    message = AIMessage('<tool_call>\n{"name": "view_file", "arguments": {"path": "a.py"}}\n</tool_call>')
    assert with_text_tool_calls(message).tool_calls[0]["args"] == {"path": "a.py"}


def test_the_worker_survives_the_samples_mistakes(tmp_path):
    """A 1-based range given as 0, a no-op edit, and an invented tool name: observations, never crashes."""
    (tmp_path / "gcd.py").write_text(GCD)
    replies = [
        AIMessage(sample("qwen2.5-coder-1.5b", 0)),  # view_file start 0
        AIMessage(sample("qwen2.5-coder-0.5b", 1)),  # edit with old_text == new_text
        AIMessage(sample("qwen2.5-coder-0.5b", 3)),  # tool named "fix_gcd.py"
        AIMessage(sample("qwen2.5-coder-1.5b", 3)),
    ]  # finish
    events = []
    loop = StepAttempt(
        llm=LLM("fast", "scripted:samples", ScriptedChatModel(rules=[Rule(replies=replies)])),
        toolbox=Toolbox(worker_tools(LocalSandbox(tmp_path), 30)),
        check=lambda: CommandResult(1, "1 failed", 0.1),
        budget=Budget(10, 60, 10**6),
        emit=lambda kind, **p: events.append((kind, p)),
        interrupted=lambda: None,
        steering=list,
        check_failures_allowed=1,
    )

    result = loop.run("system", "fix gcd")

    tools = [p for kind, p in events if kind == "tool_call"]
    assert tools[0]["ok"] and "gcd.py, lines 1-5 of 5" in tools[0]["output"]
    assert not tools[1]["ok"] and "old_text equals new_text" in tools[1]["output"]
    assert not tools[2]["ok"] and "unknown tool 'fix_gcd.py'" in tools[2]["output"]
    assert result.outcome == "check_failed" and (tmp_path / "gcd.py").read_text() == GCD


def test_a_call_with_broken_json_arguments_is_answered_with_an_error(tmp_path):
    """langchain files such calls under invalid_tool_calls; left unanswered, providers reject the next request."""
    from agent.models.textcalls import with_repaired_tool_calls

    message = AIMessage(
        "",
        invalid_tool_calls=[
            {
                "name": "edit_file",
                "args": '{"path": "gcd.py", "old_text": ',
                "id": "call_1",
                "error": "bad json",
                "type": "invalid_tool_call",
            }
        ],
    )
    repaired = with_repaired_tool_calls(message)
    assert repaired.invalid_tool_calls == [] and repaired.tool_calls[0]["id"] == "call_1"
    observation = Toolbox(worker_tools(LocalSandbox(tmp_path), 30)).call("edit_file", repaired.tool_calls[0]["args"])
    assert not observation.ok and "arguments for edit_file are not valid JSON" in observation.text
