"""With no model configured, a local OpenAI-compatible server that answers is named, with the settings to use it."""

from __future__ import annotations

import json
import time

from agent.models.local_probe import LocalServer
from tests.model_fakes import FakeOpenAI
from tests.test_bad_input import closed_port


def run_without_model(cli, repo, monkeypatch, servers: list[str]):
    monkeypatch.setenv("SPARKWRIGHT_LOCAL_SERVERS", json.dumps(servers))
    return cli("run", "--repo", repo, "--issue", "x")


def test_no_model_names_the_local_server_that_answers_and_the_settings(cli, repo, monkeypatch):
    with FakeOpenAI() as server:
        result = run_without_model(cli, repo, monkeypatch, [f"http://127.0.0.1:{closed_port()}/v1", server.base_url])

    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "no model configured" in line
    spec = "openai-compatible:qwen"
    assert f"a local OpenAI-compatible model server answers at {server.base_url} with qwen" in line
    assert f"SPARKWRIGHT_DEEP_MODEL={spec} SPARKWRIGHT_FAST_MODEL={spec} SPARKWRIGHT_BASE_URL={server.base_url}" in line


def test_no_server_answering_leaves_the_plain_message_and_costs_no_time(cli, repo, monkeypatch):
    started = time.perf_counter()
    result = run_without_model(cli, repo, monkeypatch, [f"http://127.0.0.1:{closed_port()}/v1"])

    assert result.exit_code == 2
    assert "no model configured" in result.stderr and "model server answers" not in result.stderr
    assert time.perf_counter() - started < 5


def test_the_usual_ports_are_named():
    assert "local llama.cpp model server" in LocalServer("http://127.0.0.1:8080/v1", "q").hint()
    assert "local Ollama model server" in LocalServer("http://127.0.0.1:11434/v1", "q").hint()
