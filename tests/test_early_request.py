"""The model works while we prepare: a request that does not depend on the step's first check (the single prompt's)
is sent before that check runs, and the attempt takes its reply instead of asking again."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from agent.models.errors import ModelUnavailable
from agent.models.llm import LLM, make_chat_model
from tests.conftest import git
from tests.model_fakes import FakeOpenAI
from tests.scripting import tc, text, write_script

ISSUE = "Cart subtotal ignores quantities: 3 apples at 120 cents give 120, not 360."
SINGLE_PROMPT = "You fix bugs in small repositories"
CHAT = "/v1/chat/completions"


def fast_llm(fake: FakeOpenAI) -> LLM:
    return LLM("fast", "openai-compatible:qwen", make_chat_model("openai-compatible:qwen", fake.base_url))


def test_a_request_sent_early_is_asked_once_and_its_reply_taken_by_the_same_request():
    with FakeOpenAI() as fake:
        fake.script("", [text("early"), text("asked later")])
        llm = fast_llm(fake)
        asked = [SystemMessage("be brief"), HumanMessage("say something")]
        llm.send_early(asked, [], temperature=0, max_tokens=50)
        llm.send_early(asked, [], temperature=0, max_tokens=50)  # already on its way: not sent twice
        assert llm.invoke(asked, [], temperature=0, max_tokens=50).message.content == "early"
        assert len(fake.requests_to(CHAT)) == 1
        # Taken once: the same request asked again goes to the server.
        llm.invoke(asked, [], temperature=0, max_tokens=50)
        # Another request (here: another temperature) is never answered by an early reply.
        llm.send_early(asked, [], temperature=0, max_tokens=50)
        llm.invoke(asked, [], temperature=0.8, max_tokens=50)
        temperatures = [r.json.get("temperature") for r in fake.requests_to(CHAT)]
        assert sorted(temperatures) == [0, 0, 0, 0.8]


def test_an_early_request_that_fails_fails_where_its_reply_is_taken():
    with FakeOpenAI() as fake:
        fake.fail_after(0)
        llm = fast_llm(fake)
        asked = [HumanMessage("anything")]
        llm.send_early(asked, [], temperature=0)
        # As a direct call would: the model is unavailable, said once, where the reply was to be used.
        with pytest.raises(ModelUnavailable, match="server_error|500|InternalServerError"):
            llm.invoke(asked, [], temperature=0)


def test_quick_mode_sends_the_single_prompt_while_the_first_check_still_runs(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MODE", "quick")
    ended = tmp_path / "test-runs-ended"
    # Every test run of the repo takes a second and notes when it ended: the triage's run, then the step's check.
    (repo / "conftest.py").write_text(
        "import time\n\n\ndef pytest_sessionstart(session):\n    time.sleep(1)\n\n\n"
        "def pytest_sessionfinish(session):\n"
        f"    with open({str(ended)!r}, 'a') as f:\n"
        "        f.write(f'{time.time()}\\n')\n"
    )
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "slow tests")
    source = (repo / "shopcart" / "cart.py").read_text()
    fixed = source.replace(
        "sum(item.price_cents for item in self.items)", "sum(item.price_cents * item.quantity for item in self.items)"
    )
    deep = write_script(tmp_path / "deep.json", [("", [tc("stuck", reason="no")])])
    with FakeOpenAI() as fake:
        fake.script(SINGLE_PROMPT, [text(f"shopcart/cart.py\n```python\n{fixed}```")])
        result = cli(
            "run", "--repo", repo, "--issue", ISSUE, "--deep-model", deep,
            "--fast-model", "openai-compatible:qwen", "--fast-base-url", fake.base_url, "--json",
        )  # fmt: skip
        requests = fake.requests_to(CHAT)

    assert result.exit_code == 0, result.output
    job = store.jobs()[0]
    assert job.status == "succeeded", job.outcome_reason
    assert "item.price_cents * item.quantity" in git(repo, "show", f"{job.branch}:shopcart/cart.py")
    triage_ended, check_ended = (float(t) for t in ended.read_text().split()[:2])
    # Sent once, after the triage (which chose the files it shows) and before the step's first check ended.
    assert len(requests) == 1
    assert triage_ended < requests[0].at < check_ended
    # `show` says when the first token came: in the step's first second, while its check still ran.
    shown = json.loads(cli("show", job.id, "--json").stdout)
    step_time = shown["steps"][0]["time"]
    assert shown["first_token_seconds"] > 1.0  # after the triage's test run
    assert 0 < step_time["first_token"] < 1.0 < step_time["seconds"]
    call = next(e for e in shown["events"] if e["kind"] == "model_call")
    assert call["waiting_ms"] > 0  # the reply waited for the check
