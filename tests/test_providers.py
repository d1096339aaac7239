"""Real provider clients (langchain-openai, langchain-anthropic) against fake servers at the HTTP boundary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.models.llm import DECISION_TOKENS
from tests.conftest import git
from tests.model_fakes import FakeAnthropic, FakeOpenAI, RecordedRequest
from tests.scripting import PLANNER, REVIEW, plan, step, tc
from tests.test_job_end_to_end import FIX, QTY_CHECK, run_json

QWEN = "openai-compatible:qwen"
WORKER = "Your step: Count quantities"
STEP_TITLE = "Count quantities in the subtotal"


def script_deep(fake: FakeOpenAI | FakeAnthropic) -> None:
    fake.script(
        PLANNER,
        [tc("view_file", path="shopcart/cart.py"), plan(step(STEP_TITLE, QTY_CHECK, files=["shopcart/cart.py"]))],
    )
    fake.script(REVIEW, [tc("finish_job", summary="Subtotal counts every unit.", uncertainties=[])])


def script_fast(fake: FakeOpenAI, text_calls: bool = False) -> None:
    fake.script(WORKER, [tc("edit_file", **FIX), tc("finish", summary="multiply by quantity")], text_calls=text_calls)


@pytest.fixture(autouse=True)
def tool_calls_only(monkeypatch):
    """These tests are about tool calls on the wire: local models would try a whole-file text reply first."""
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", '[{"format": "tools"}]')
    monkeypatch.setenv("SPARKWRIGHT_DEEP_CANDIDATES", '[{"format": "tools"}]')


def native(monkeypatch) -> None:
    """Native tool calling for local servers too (their default is schema-constrained output)."""
    monkeypatch.setenv("SPARKWRIGHT_DEEP_TOOL_CALLS", "native")
    monkeypatch.setenv("SPARKWRIGHT_FAST_TOOL_CALLS", "native")


def chats(fake: FakeOpenAI, match: str) -> list[RecordedRequest]:
    return [
        r
        for r in fake.requests_to("/v1/chat/completions")
        if any(match in str(m.get("content")) for m in r.json["messages"])
    ]


def assert_step_committed(repo: Path, store) -> None:
    job = store.jobs()[0]
    assert job.status == "succeeded", job.outcome_reason
    assert git(repo, "log", "--format=%s", f"{job.base_commit}..{job.branch}") == STEP_TITLE


def test_openai_compatible_server_with_structured_tool_calls(cli, repo, store, monkeypatch):
    native(monkeypatch)
    with FakeOpenAI() as fake:
        script_deep(fake)
        script_fast(fake)
        result, _ = run_json(cli, repo, QWEN, QWEN, "--base-url", fake.base_url)

    assert result.exit_code == 0, result.stderr
    assert_step_committed(repo, store)
    worker = chats(fake, WORKER)
    assert len(worker) == 2
    for request in worker:
        assert {"edit_file", "view_file", "finish"} <= {t["function"]["name"] for t in request.json["tools"]}
    assert "submit_plan" in {t["function"]["name"] for t in chats(fake, PLANNER)[0].json["tools"]}
    # The edit's result goes back as a tool message answering the very call the server issued.
    issued = next(s for s in fake.served if s.match == WORKER).response["choices"][0]["message"]["tool_calls"][0]
    *_, assistant, tool = worker[1].json["messages"]
    [echoed] = assistant["tool_calls"]
    assert echoed["id"] == issued["id"] and echoed["function"]["name"] == "edit_file"
    assert tool["role"] == "tool" and tool["tool_call_id"] == issued["id"]
    assert_usage_matches(cli, store, fake.served, fake.served)
    # A local model's reply is capped by what the step's files could need, the planner's by what a decision
    # needs: a small model can repeat itself for minutes.
    cart = (repo / "shopcart/cart.py").read_text()
    assert {r.json.get("max_completion_tokens") for r in worker} == {512 + int(1.5 * len(cart) / 3)}
    assert {r.json.get("max_completion_tokens") for r in chats(fake, PLANNER)} == {DECISION_TOKENS}


def assert_usage_matches(cli, store, deep_served, fast_served) -> None:
    shown = cli("show", store.jobs()[0].id, "--json")
    usage = json.loads(shown.stdout)["usage"]
    for tier, served, matches in (("deep", deep_served, (PLANNER, REVIEW)), ("fast", fast_served, (WORKER,))):
        mine = [s for s in served if s.match in matches]
        assert usage[tier]["calls"] == len(mine)
        assert usage[tier]["tokens_in"] == sum(s.tokens_in for s in mine)
        assert usage[tier]["tokens_out"] == sum(s.tokens_out for s in mine)
        cached = sum(s.response["usage"].get("prompt_tokens_details", {}).get("cached_tokens", 0) for s in mine)
        assert usage[tier].get("tokens_cached", 0) == cached


def test_llamacpp_style_tool_calls_in_the_text_still_work(cli, repo, store, monkeypatch):
    native(monkeypatch)
    with FakeOpenAI() as fake:
        script_deep(fake)
        script_fast(fake, text_calls=True)
        result, _ = run_json(cli, repo, QWEN, QWEN, "--base-url", fake.base_url)

    assert result.exit_code == 0, result.stderr
    assert_step_committed(repo, store)
    first = next(s for s in fake.served if s.match == WORKER).response["choices"][0]["message"]
    assert "tool_calls" not in first and '"name": "edit_file"' in first["content"]
    # Sent back, the parsed call is a structured one and its result a tool message, as llama.cpp --jinja expects.
    *_, assistant, tool = chats(fake, WORKER)[1].json["messages"]
    assert assistant["tool_calls"][0]["function"]["name"] == "edit_file"
    assert tool["role"] == "tool" and tool["tool_call_id"] == assistant["tool_calls"][0]["id"]


def test_anthropic_planner_with_an_openai_compatible_worker(cli, repo, store, monkeypatch):
    key = "sk-ant-test-not-a-real-key"
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    with FakeAnthropic() as claude, FakeOpenAI() as local:
        script_deep(claude)
        script_fast(local)
        result, _ = run_json(
            cli, repo, "anthropic:claude-x", QWEN, "--deep-base-url", claude.url, "--fast-base-url", local.base_url
        )

    assert result.exit_code == 0, result.stderr
    assert_step_committed(repo, store)
    messages = claude.requests_to("/v1/messages")
    # Older anthropic SDKs send the key as x-api-key; 2.x sends it as a bearer token.
    sent = [(r.headers.get("x-api-key"), r.headers.get("authorization", "").removeprefix("Bearer ")) for r in messages]
    assert sent and all(key in pair for pair in sent)
    assert "submit_plan" in {t["name"] for t in messages[0].json["tools"]}
    assert chats(local, PLANNER) == [] and len(chats(local, WORKER)) == 2
    # The planner's view_file result goes back as a tool_result block for the tool_use the server issued.
    issued = claude.served[0].response["content"][0]
    results = [
        b
        for m in messages[1].json["messages"]
        if isinstance(m["content"], list)
        for b in m["content"]
        if b["type"] == "tool_result"
    ]
    assert issued["name"] == "view_file" and [b["tool_use_id"] for b in results] == [issued["id"]]
    assert_usage_matches(cli, store, claude.served, local.served)


def test_a_local_server_never_gets_the_openai_key(cli, repo, store, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-only-7d1e9f2a6b4c")
    monkeypatch.setenv("SPARKWRIGHT_LOCAL_API_KEY", "local-key-1234")
    with FakeOpenAI() as fake:
        script_deep(fake)
        script_fast(fake)
        result, _ = run_json(cli, repo, "openai-compatible:qwen", "openai-compatible:qwen", "--base-url", fake.base_url)

    assert result.exit_code == 0, result.stderr
    chat_requests = fake.requests_to("/v1/chat/completions")
    assert chat_requests and all(r.headers["authorization"] == "Bearer local-key-1234" for r in chat_requests)


def test_openai_key_reaches_the_server_and_nothing_else(cli, repo, store, home, monkeypatch):
    key = "sk-test-4f1c9e2b7a6d4e0f8c3b5a1d9e7f6c2a"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with FakeOpenAI() as fake:
        script_deep(fake)
        script_fast(fake)
        result, _ = run_json(cli, repo, "openai:gpt-x", "openai:gpt-x", "--base-url", fake.base_url)
        shown = cli("show", store.jobs()[0].id, "--json")

    assert result.exit_code == 0, result.stderr
    assert_step_committed(repo, store)
    chat_requests = fake.requests_to("/v1/chat/completions")
    assert chat_requests and all(r.headers["authorization"] == f"Bearer {key}" for r in chat_requests)
    db_files = sorted(home.glob("sparkwright.db*"))
    assert any(p.name.endswith("-wal") for p in db_files), db_files  # the test's open store keeps the WAL around
    for path in db_files:
        assert key.encode() not in path.read_bytes(), path
    assert all(key not in json.dumps(e.payload) for e in store.events(store.jobs()[0].id))
    assert key not in result.stdout + result.stderr + shown.stdout + shown.stderr


def test_a_server_outage_interrupts_the_job_and_resume_finishes_it(cli, repo, store):
    with FakeOpenAI() as fake:
        script_deep(fake)
        script_fast(fake)
        fake.fail_after(2)  # the planner's two replies; then the worker's first call meets a 500
        result, events = run_json(cli, repo, QWEN, QWEN, "--base-url", fake.base_url)

        assert result.exit_code == 130, result.stderr
        job = store.jobs()[0]
        assert job.status == "interrupted"
        reason = job.outcome_reason
        assert "fast model openai-compatible:qwen failed" in reason and "Error code: 500" in reason
        assert f"sparkwright resume {job.id}" in reason
        assert events[-1]["kind"] == "job_interrupted"
        assert len(chats(fake, WORKER)) > 1  # the client retried before giving up
        assert [s.status for s in store.steps(job.id)] != ["done"]

        fake.heal()
        resumed = cli("resume", job.id, "--json")

    assert resumed.exit_code == 0, resumed.stderr
    assert_step_committed(repo, store)
    assert len(chats(fake, PLANNER)) == 2  # the plan was kept, not made again


def test_a_call_with_broken_json_arguments_gets_an_error_and_the_job_goes_on(cli, repo, store, monkeypatch):
    native(monkeypatch)
    with FakeOpenAI() as fake:
        script_deep(fake)
        fake.script(
            WORKER,
            [
                {"tool_calls": [{"name": "edit_file", "args": '{"path": "shopcart/cart.py", "old_'}]},
                tc("edit_file", **FIX),
                tc("finish", summary="multiply by quantity"),
            ],
        )
        result, _ = run_json(cli, repo, QWEN, QWEN, "--base-url", fake.base_url)

    assert result.exit_code == 0, result.stderr
    assert_step_committed(repo, store)
    broken = next(s for s in fake.served if s.match == WORKER).response["choices"][0]["message"]["tool_calls"][0]
    *_, tool = chats(fake, WORKER)[1].json["messages"]
    assert tool["role"] == "tool" and tool["tool_call_id"] == broken["id"]
    assert "arguments for edit_file are not valid JSON" in tool["content"]


def test_a_chat_model_is_built_in_a_thread_of_its_own_and_a_failed_build_is_tried_again_where_it_is_taken():
    """Importing a provider's package takes ~0.4 s that the job's start and first test run leave free: the model is
    built beside them. A build that fails there (a rare import race) is tried once more at its first use, where an
    error that stays is raised in the job."""
    import threading

    from agent.models.errors import ModelConfigError
    from agent.models.llm import LLM, BuiltSoon
    from agent.models.scripted import ScriptedChatModel

    scripted, builders = ScriptedChatModel(rules=[]), []

    def flaky() -> ScriptedChatModel:
        builders.append(threading.current_thread())
        if len(builders) == 1:
            raise ImportError("cannot import name 'ChatOpenAI' (most likely due to a circular import)")
        return scripted

    llm = LLM("fast", "openai-compatible:qwen", BuiltSoon(flaky))
    assert llm.model is scripted and llm.model is scripted
    assert builders[0] is not threading.main_thread() and builders[1] is threading.main_thread()

    def broken() -> ScriptedChatModel:
        raise ModelConfigError("the provider's package is missing: pip install it")

    with pytest.raises(ModelConfigError, match="package is missing"):
        _ = LLM("deep", "anthropic:claude", BuiltSoon(broken)).model
