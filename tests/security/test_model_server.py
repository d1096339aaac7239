"""Beyond the brief: a model server that echoes the API key it was sent back in its error message.
The error ends the job (interrupted, to be resumed): its text must not carry the key into the record."""

from __future__ import annotations

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
