"""Local servers get no tools but a JSON schema the reply must match (one call of the offered tools), through the
real ChatOpenAI against a loopback server that answers as llama.cpp does under such a schema."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, Field

from agent.models.llm import DECISION_TOKENS, LLM, make_chat_model, tool_calls_for
from agent.models.scripted import Rule, ScriptedChatModel
from tests.model_fakes import FakeOpenAI
from tests.scripting import PLANNER, text
from tests.test_job_end_to_end import FIX, run_json
from tests.test_providers import QWEN, WORKER, assert_step_committed, chats, script_deep, script_fast, tool_calls_only
from tools import Tool
from tools.base import Toolbox


class ViewArgs(BaseModel):
    path: str
    start: int = Field(1)


class NoArgs(BaseModel):
    pass


TOOLS = Toolbox(
    [
        Tool("view_file", "Show a file with line numbers.", ViewArgs, str),
        Tool("run_check", "Run the step's check.", NoArgs, str),
    ]
).schemas()


def local_llm(fake: FakeOpenAI, tool_calls: str = "schema") -> LLM:
    return LLM("fast", QWEN, make_chat_model(QWEN, fake.base_url), tool_calls_for(tool_calls, QWEN))


@pytest.mark.usefixtures(tool_calls_only.__name__)
def test_a_job_on_a_local_server_asks_for_one_call_by_schema_and_gets_it(cli, repo, store):
    with FakeOpenAI() as fake:
        script_deep(fake)
        script_fast(fake)
        result, _ = run_json(cli, repo, QWEN, QWEN, "--base-url", fake.base_url)

    assert result.exit_code == 0, result.stderr
    assert_step_committed(repo, store)  # the fake refuses a request that is not schema mode, or a reply it forbids
    requests = fake.requests_to("/v1/chat/completions")
    assert requests and all("tools" not in r.json for r in requests)
    first_worker, second_worker = chats(fake, WORKER)
    schema = first_worker.json["response_format"]["json_schema"]["schema"]
    names = [choice["properties"]["name"]["const"] for choice in schema["oneOf"]]
    assert {"edit_file", "view_file", "run", "finish", "stuck"} <= set(names)
    edit = schema["oneOf"][names.index("edit_file")]["properties"]["arguments"]
    assert {"path", "old_text", "new_text"} <= set(edit["required"])
    planner_request = chats(fake, PLANNER)[0].json
    # A small planner that rambles in its JSON is cut off long before its context is full.
    assert planner_request["max_completion_tokens"] == DECISION_TOKENS
    planner_format = json.dumps(planner_request["response_format"])
    assert "submit_plan" in planner_format and '"instructions"' in planner_format  # a step's fields, written out
    assert "$ref" not in planner_format and "$defs" not in planner_format  # nested refs would point nowhere
    # The model is told its tools in words, and sees its own call and the result without tool roles.
    system, *_, assistant, result_message = second_worker.json["messages"]
    assert "edit_file(path, old_text, new_text" in system["content"] and "exactly one JSON object" in system["content"]
    assert {m["role"] for m in second_worker.json["messages"]} <= {"system", "user", "assistant"}
    assert json.loads(assistant["content"]) == {"name": "edit_file", "arguments": FIX}
    assert result_message["role"] == "user" and result_message["content"].startswith("Result of edit_file:")


def test_a_schema_reply_that_went_wrong_is_still_read(tmp_path):
    """A server that ignored the schema: the call fenced with prose around it is read as text would be."""
    with FakeOpenAI() as fake:
        fake.script("look", [text('Sure.\n```json\n{"name": "view_file", "arguments": {"path": "a.py"}}\n```\nDone.')])
        reply = local_llm(fake).invoke([HumanMessage("look at a.py")], TOOLS)

    [call] = reply.message.tool_calls
    assert (call["name"], call["args"]) == ("view_file", {"path": "a.py"})
    assert reply.tokens_in > 0 and reply.tokens_out > 0


def test_no_tools_is_a_plain_text_call_and_temperature_is_sent():
    with FakeOpenAI() as fake:
        fake.script("write", [text("```python\nprint(1)\n```")])
        reply = local_llm(fake).invoke([HumanMessage("write the file")], [], temperature=0.7)

    [request] = fake.requests_to("/v1/chat/completions")
    assert "response_format" not in request.json and "tools" not in request.json
    assert request.json["temperature"] == 0.7
    assert reply.message.content == "```python\nprint(1)\n```" and reply.message.tool_calls == []


def test_native_mode_binds_the_tools():
    with FakeOpenAI() as fake:
        fake.script("look", [{"tool_calls": [{"name": "view_file", "args": {"path": "a.py"}}]}])
        reply = local_llm(fake, "native").invoke([HumanMessage("look at a.py")], TOOLS)

    [request] = fake.requests_to("/v1/chat/completions")
    assert "response_format" not in request.json and len(request.json["tools"]) == 2
    assert reply.message.tool_calls[0]["name"] == "view_file"


def test_history_has_no_tool_roles_in_schema_mode():
    seen = []

    class Recording(ScriptedChatModel):
        def _generate(self, messages, *args, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(list(messages))
            return super()._generate(messages, *args, **kwargs)

    model = Recording(rules=[Rule(replies=[AIMessage('{"name": "run_check", "arguments": {}}')])])
    call = {"name": "view_file", "args": {"path": "a.py"}, "id": "call_1", "type": "tool_call"}
    history = [
        SystemMessage("You fix bugs."),
        HumanMessage("Fix a.py"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("1 | x = 1", tool_call_id="call_1"),
    ]
    reply = LLM("fast", "scripted:x", model, "schema").invoke(history, TOOLS, temperature=0.2)

    system, user, assistant, result = seen[0]
    assert isinstance(system, SystemMessage) and system.text.startswith("You fix bugs.")
    assert "- view_file(path, start=1): Show a file with line numbers." in system.text
    assert "- run_check(): Run the step's check." in system.text
    assert user.text == "Fix a.py"
    assert type(assistant) is AIMessage and not assistant.tool_calls
    assert json.loads(assistant.text) == {"name": "view_file", "arguments": {"path": "a.py"}}
    assert isinstance(result, HumanMessage) and result.text == "Result of view_file:\n1 | x = 1"
    assert [(c["name"], c["args"]) for c in reply.message.tool_calls] == [("run_check", {})]


@pytest.mark.parametrize(
    ("setting", "spec", "mode"),
    [
        ("auto", "llamacpp:q", "schema"),
        ("auto", "ollama:q", "schema"),
        ("auto", "vllm:q", "schema"),
        ("auto", "openai-compatible:q", "schema"),
        ("auto", "local:q", "schema"),
        ("auto", "openai:gpt-x", "native"),
        ("auto", "anthropic:claude-x", "native"),
        ("auto", "scripted:f.json", "native"),
        ("native", "llamacpp:q", "native"),
        ("schema", "openai:gpt-x", "schema"),
    ],
)
def test_auto_is_schema_for_local_servers_only(setting, spec, mode):
    assert tool_calls_for(setting, spec) == mode


def test_schema_mode_is_refused_for_anthropic(cli, repo, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("SPARKWRIGHT_DEEP_TOOL_CALLS", "schema")
    result = cli("run", "--repo", repo, "--issue", "x", "--deep-model", "anthropic:claude-x", "--fast-model", QWEN)
    assert result.exit_code == 2
    assert "anthropic:claude-x takes no output schema: set its tier's tool_calls to native or auto" in result.stderr


def test_a_schema_reply_with_an_odd_name_is_no_call():
    model = ScriptedChatModel(rules=[Rule(replies=[AIMessage('{"name": ["run"], "arguments": {}}')])])
    reply = LLM("fast", "scripted:x", model, "schema").invoke([HumanMessage("go")], TOOLS)
    assert reply.message.tool_calls == [] and reply.message.content == '{"name": ["run"], "arguments": {}}'
