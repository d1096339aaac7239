"""Small local models put tool calls in the message text; real replies of Qwen2.5-Coder are the fixtures."""

from __future__ import annotations

import json
from pathlib import Path

from langchain_core.messages import AIMessage

from agent.engine.conversation.control import DECISIONS, FINISH, RUN_CHECK, STUCK
from agent.engine.conversation.loop import Budget
from agent.engine.step.attempt import StepAttempt
from agent.models.llm import LLM
from agent.models.scripted import Rule, ScriptedChatModel
from agent.models.textcalls import offered_tools, with_text_tool_calls
from sandbox import CommandResult, LocalSandbox
from tools import Toolbox, worker_tools

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = [json.loads(line) for line in (FIXTURES / "qwen2.5-coder-llamacpp.jsonl").open()]
JOB_EVENTS = [json.loads(line) for line in (FIXTURES / "shopcart-job-events-qwen15-qwen05.jsonl").open()]
GCD = "def gcd(a, b):\n    if b == 0:\n        return a\n    else:\n        return gcd(a % b, b)\n"
WORKER = offered_tools(
    [
        *Toolbox(worker_tools(LocalSandbox(Path("/nonexistent")), 30)).schemas(),
        *(c.schema() for c in (FINISH, STUCK, RUN_CHECK)),
    ]
)
DECIDING = offered_tools([c.schema() for c in DECISIONS])


def calls(text: str, offered=WORKER) -> list[tuple[str, dict]]:
    return [(c["name"], c["args"]) for c in with_text_tool_calls(AIMessage(text), offered).tool_calls]


def sample(model: str, scenario: int) -> str:
    return next(s for s in SAMPLES if s["model"].startswith(model) and s["scenario"] == scenario)["response_message"][
        "content"
    ]


def test_every_sample_reply_becomes_a_structured_tool_call():
    for s in SAMPLES:
        [(_, args)] = calls(s["response_message"]["content"])
        assert args, s["response_message"]["content"]


def test_fenced_and_bare_json_parse_the_same():
    fenced = calls(sample("qwen2.5-coder-1.5b", 2))
    bare = calls(sample("qwen2.5-coder-0.5b", 2))
    assert fenced == bare == [("run", {"command": "python -m pytest -q"})]


def test_prose_that_mentions_json_or_a_tool_is_not_executed():
    for text in (
        'I will call {"name": "run", "arguments": {"command": "rm -rf /"}} next.',
        'Example: {"name": "run", "arguments": {"command": "x"}}',
        '```json\n{"name": "rm_everything", "arguments": {"command": "x"}}\n```\nand then more text',
        '```json\n{"name": "run", "arguments": {"command": "x"}}\n{"config": true}\n```\nand then more text',
        '{"not_a_call": 1}',
        '[{"name": "run", "arguments": {"command": "x"}}, 42]',
        "plain words",
        "I will take_over now",
        "run_check and then finish",
    ):
        assert calls(text) == [], text
    assert calls('{"name": "run", "arguments": {"command": "x"}}', offered={}) == []  # no tools: a text reply


def test_a_fenced_call_with_prose_around_is_read():
    text = 'Let me run the tests.\n```json\n{"name": "run", "arguments": {"command": "pytest -q"}}\n```\nThis shows it.'
    assert calls(text) == [("run", {"command": "pytest -q"})]


def test_tagged_tool_calls_parse():
    assert calls('<tool_call>\n{"name": "view_file", "arguments": {"path": "a.py"}}\n</tool_call>') == [
        ("view_file", {"path": "a.py"})
    ]
    escalation = 'I decide:\n<tools>\n{"name": "take_over", "arguments": {"reason": "the worker loops"}}\n</tools>'
    assert calls(escalation, DECIDING) == [("take_over", {"reason": "the worker loops"})]


def test_several_calls_in_one_reply_are_all_read():
    """The worker's real reply (0.5B): four calls one per line, the first to a tool that does not exist."""
    reply = next(
        e["content"] for e in JOB_EVENTS if e["kind"] == "model_call" and e["content"].startswith('{"name": "error"')
    )
    assert [name for name, _ in calls(reply)] == ["error", "run", "finish", "stuck"]
    one, two = '{"name": "run", "arguments": {"command": "a"}}', '{"name": "run_check", "arguments": {}}'
    expected = [("run", {"command": "a"}), ("run_check", {})]
    for text in (f"{one}{two}", f"{one}\n\n{two}", f"[{one}, {two}]", f"```json\n[{one},\n{two}]\n```"):
        assert calls(text) == expected, text


def test_a_deciding_tool_without_required_arguments_may_be_a_bare_word():
    for word in ("take_over", "`take_over`", "Take over.", '"take_over"', "**take_over**"):
        assert calls(word, DECIDING) == [("take_over", {})], word
    for word in ("stop", "revise", "split", "retry"):  # each needs arguments: nothing to guess
        assert calls(word, DECIDING) == [], word
    assert calls("run_check") == [("run_check", {})] and calls("finish") == [("finish", {})]
    assert calls("take_over") == []  # not offered to the worker


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


def test_an_unknown_tool_is_answered_with_every_tool_and_control_and_its_arguments(tmp_path):
    """The real reply: an invented tool `error`, then a run, then finish, all in one reply."""
    (tmp_path / "gcd.py").write_text(GCD)
    reply = next(
        e["content"] for e in JOB_EVENTS if e["kind"] == "model_call" and e["content"].startswith('{"name": "error"')
    )
    events = []
    loop = StepAttempt(
        llm=LLM("fast", "scripted:samples", ScriptedChatModel(rules=[Rule(replies=[AIMessage(reply)])])),
        toolbox=Toolbox(worker_tools(LocalSandbox(tmp_path), 30)),
        check=lambda: CommandResult(0, "1 passed", 0.1),
        budget=Budget(10, 60, 10**6),
        emit=lambda kind, **p: events.append((kind, p)),
        interrupted=lambda: None,
        steering=list,
    )

    result = loop.run("system", "fix gcd")

    unknown, ran, *_ = [p for kind, p in events if kind == "tool_call"]
    assert unknown["tool"] == "error" and not unknown["ok"]
    listed = unknown["output"]
    assert "unknown tool 'error'" in listed
    for line in (
        "- edit_file(path, old_text, new_text): ",
        '- finish(summary=""): ',
        "- run_check(): ",
        "- stuck(reason",
    ):
        assert line in listed, listed
    assert ran["tool"] == "run"
    assert result.outcome == "passed"
