"""Beyond the brief: a model server that echoes the API key it was sent back in its error message.
The error ends the job (interrupted, to be resumed): its text must not carry the key into the record."""

from __future__ import annotations

import json
from typing import Any

from tests.loopback import RecordedRequest
from tests.model_fakes import FakeOpenAI


class EchoingServer(FakeOpenAI):
    def route(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method == "POST":
            return 401, self.error(f"invalid credentials: {request.headers.get('authorization')}", "invalid_api_key")
        return super().route(request)


def test_a_model_error_echoing_the_key_does_not_record_it(local_attack):
    with EchoingServer() as server:
        local_attack.cli(
            "run",
            "--repo",
            local_attack.repo,
            "--issue",
            "Tidy the cart module",
            "--deep-model",
            "openai:gpt-x",
            "--fast-model",
            "openai:gpt-x",
            "--base-url",
            server.base_url,
            "--sandbox",
            "local",
            "--json",
        )
    assert server.requests_to("/v1/chat/completions"), "the model server was never asked"
    local_attack.assert_contained()


class HostileNames(FakeOpenAI):
    """Whatever listens on a usual port names the models: settings the user is told to paste, in their terminal."""

    model_ids = ("x\x1b]0;owned\x07 $(touch /tmp/pwned); rm -rf ~", "qwen2.5-coder:1.5b")


def test_a_local_server_cannot_put_commands_or_escapes_into_the_printed_settings(cli, repo, monkeypatch):
    with HostileNames() as server:
        monkeypatch.setenv("SPARKWRIGHT_LOCAL_SERVERS", json.dumps([server.base_url]))
        result = cli("run", "--repo", repo, "--issue", "x")

    assert result.exit_code == 2
    assert "SPARKWRIGHT_DEEP_MODEL=openai-compatible:qwen2.5-coder:1.5b" in result.stderr
    assert "\x1b" not in result.stderr and "touch" not in result.stderr and "rm -rf" not in result.stderr
