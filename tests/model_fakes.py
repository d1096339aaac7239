"""Real HTTP servers on 127.0.0.1 standing in for model providers: OpenAI's chat completions, Anthropic's messages.

    with FakeOpenAI() as fake:
        fake.script(PLANNER, [tc("submit_plan", ...)])
        fake.script("Your step", [tc("edit_file", ...), tc("finish", summary="ok")], text_calls=True)
        ... --base-url {fake.base_url}

Replies are the dicts of tests/scripting.py (`tc`, `text`), picked as `ScriptedChatModel` picks them: the
first rule whose match is in a system or user message, then the reply by the number of assistant messages
after that message, so a planner and a worker conversation each follow their own script (past the end, the
last reply repeats). Every request is recorded in `fake.requests`, every answer and its usage in `fake.served`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.loopback import Handler, LoopbackServer, RecordedRequest

Answer = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class Served:
    match: str
    """The match of the rule that answered."""
    tokens_in: int
    tokens_out: int
    response: dict[str, Any]
    """The response body as sent."""


@dataclass(frozen=True)
class _Rule:
    match: str
    replies: list[dict[str, Any]]
    text_calls: bool
    stream_delay: float = 0.0


@dataclass(frozen=True)
class Streamed:
    """A reply sent as server-sent events, a pause after each chunk."""

    chunks: list[dict[str, Any]]
    delay: float


class _FakeProvider(LoopbackServer):
    """Lifetime, recording, scripts and outages; a subclass speaks one provider's wire format."""

    def __init__(self) -> None:
        super().__init__()
        self.served: list[Served] = []
        self._rules: list[_Rule] = []
        self._answers_left: int | None = None
        self._prompts: list[list[Any]] = []
        self.cut_off = 0
        """Streamed replies whose client hung up before the end."""

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def script(
        self, match: str, replies: list[dict[str, Any]], text_calls: bool = False, stream_delay: float = 0.0
    ) -> None:
        """Adds a rule; `text_calls` writes its tool calls as JSON in the text, as llama.cpp serves Qwen;
        `stream_delay` is the pause after each chunk when the reply is streamed."""
        self._rules.append(_Rule(match, replies, text_calls, stream_delay))

    def fail_after(self, answers: int) -> None:
        """After `answers` more model replies, every request is a 500 until `heal()`."""
        self._answers_left = answers

    def heal(self) -> None:
        self._answers_left = None

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    def handle(self, request: RecordedRequest) -> Answer:
        with self._lock:
            self.requests.append(request)
            if self._answers_left == 0:
                # A short retry-after: the client's own retries stay real but take milliseconds.
                return 500, self.error("the fake server is down", "server_error"), {"retry-after-ms": "10"}
            status, body = self.route(request)
            if status == 200 and request.method == "POST" and self._answers_left is not None:
                self._answers_left -= 1
            return status, body, {}

    def route(self, request: RecordedRequest) -> tuple[int, Any]:
        raise NotImplementedError

    def error(self, message: str, kind: str) -> dict[str, Any]:
        raise NotImplementedError

    def pick(self, conversation: list[tuple[str, str]]) -> tuple[_Rule, dict[str, Any]] | None:
        """The first rule matching a system or user message; the turn counts assistant messages after it."""
        for rule in self._rules:
            start = next(
                (i for i, (role, text) in enumerate(conversation) if role in ("system", "user") and rule.match in text),
                None,
            )
            if start is not None:
                turn = sum(1 for role, _ in conversation[start:] if role == "assistant")
                return rule, rule.replies[min(turn, len(rule.replies) - 1)]
        return None

    def usage(self, body: Any, reply: dict[str, Any]) -> tuple[int, int]:
        """Deterministic token counts, different for every request, so sums can be checked exactly."""
        return len(json.dumps(body)) // 4, len(json.dumps(reply)) // 4 + 1

    def no_rule(self, conversation: list[tuple[str, str]]) -> tuple[int, Any]:
        opening = next((text for role, text in conversation if role == "user"), "")
        return 400, self.error(
            f"no scripted rule matches this conversation: {opening[:300]!r}", "invalid_request_error"
        )


class FakeOpenAI(_FakeProvider):
    """The chat completions API (non-streaming) as OpenAI, vLLM or llama.cpp serve it."""

    def _cached(self, messages: list[Any]) -> int:
        """What a server's prefix cache would reuse: the leading messages this request shares with an earlier one
        (a quarter token per character, as `usage` counts)."""
        best = 0
        for earlier in self._prompts:
            shared = 0
            for mine, theirs in zip(messages, earlier, strict=False):
                if mine != theirs:
                    break
                shared += len(json.dumps(mine)) // 4
            best = max(best, shared)
        self._prompts.append(messages)
        return best

    model_ids = ("qwen",)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def route(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method == "GET" and request.path == "/v1/models":
            return 200, {
                "object": "list",
                "data": [{"id": name, "object": "model", "created": 0, "owned_by": "fake"} for name in self.model_ids],
            }
        if request.method == "POST" and request.path == "/v1/chat/completions":
            return self._complete(request.json)
        return 404, self.error(f"no route {request.method} {request.path}", "invalid_request_error")

    def error(self, message: str, kind: str) -> dict[str, Any]:
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}

    def _complete(self, body: dict[str, Any]) -> tuple[int, Any]:
        conversation = [
            ("system" if m["role"] == "developer" else m["role"], _text(m.get("content"))) for m in body["messages"]
        ]
        picked = self.pick(conversation)
        if picked is None:
            return self.no_rule(conversation)
        rule, reply = picked
        if "response_format" in body:
            problem = _schema_problem(body, reply)
            if problem:
                return 400, self.error(problem, "invalid_request_error")
            message, finish = {"role": "assistant", "content": _schema_content(reply)}, "stop"
        else:
            message, finish = _openai_message(reply, rule.text_calls)
        tokens_in, tokens_out = self.usage(body, reply)
        cached = self._cached(body["messages"]) if body.get("cache_prompt", True) else 0
        response = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:16]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": None,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": tokens_in,
                "completion_tokens": tokens_out,
                "total_tokens": tokens_in + tokens_out,
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }
        self.served.append(Served(rule.match, tokens_in, tokens_out, response))
        if body.get("stream"):
            return 200, Streamed(
                _chunks(response, (body.get("stream_options") or {}).get("include_usage")), rule.stream_delay
            )
        return 200, response


class FakeLlamaCpp(FakeOpenAI):
    """llama.cpp's server: its slots can be emptied (`/slots/N?action=erase`), while the prompts it keeps in host
    memory beside them are still reused, unless a request says `cache_prompt: false`."""

    def route(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method == "GET" and request.path == "/slots":
            return 200, [{"id": 0}, {"id": 1}]
        if request.method == "POST" and request.path in ("/slots/0", "/slots/1"):
            return 200, {"id_slot": int(request.path[-1]), "n_erased": 0}
        return super().route(request)


class FakeAnthropic(_FakeProvider):
    """Anthropic's Messages API (non-streaming); the SDK's base URL is `fake.url` (it adds /v1/messages)."""

    def route(self, request: RecordedRequest) -> tuple[int, Any]:
        if request.method == "POST" and request.path == "/v1/messages":
            return self._message(request.json)
        return 404, self.error(f"no route {request.method} {request.path}", "not_found_error")

    def error(self, message: str, kind: str) -> dict[str, Any]:
        return {"type": "error", "error": {"type": "api_error" if kind == "server_error" else kind, "message": message}}

    def _message(self, body: dict[str, Any]) -> tuple[int, Any]:
        # The system prompt is a top-level field here; it comes before every message.
        conversation = [("system", _text(body.get("system")))] if body.get("system") else []
        conversation += [(m["role"], _text(m["content"])) for m in body["messages"]]
        picked = self.pick(conversation)
        if picked is None:
            return self.no_rule(conversation)
        rule, reply = picked
        blocks = [{"type": "text", "text": reply["content"]}] if reply.get("content") else []
        blocks += [
            {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}", "name": c["name"], "input": c["args"]}
            for c in reply.get("tool_calls", [])
        ]
        tokens_in, tokens_out = self.usage(body, reply)
        response = {
            "id": f"msg_{uuid.uuid4().hex[:20]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": blocks,
            "stop_reason": "tool_use" if reply.get("tool_calls") else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
        }
        self.served.append(Served(rule.match, tokens_in, tokens_out, response))
        if body.get("stream"):
            return 200, Streamed(
                _chunks(response, (body.get("stream_options") or {}).get("include_usage")), rule.stream_delay
            )
        return 200, response


def _text(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list of blocks (never tool results)."""
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content or [] if part.get("type") == "text")


def _schema_problem(body: dict[str, Any], reply: dict[str, Any]) -> str | None:
    """Why a server constraining its output to the request's schema could not have given this reply, if so.

    As llama.cpp serves it: `response_format` json_schema whose schema is a oneOf of {name: const, arguments},
    and no `tools`, since the reply is the call itself."""
    if "tools" in body:
        return "schema mode sent tools too"
    fmt = body["response_format"]
    choices = fmt.get("json_schema", {}).get("schema", {}).get("oneOf") if fmt.get("type") == "json_schema" else None
    if not choices:
        return f"response_format is not a json_schema with oneOf: {json.dumps(fmt)[:300]}"
    names = {c["properties"]["name"]["const"] for c in choices}
    calls = reply.get("tool_calls", [])
    if len(calls) > 1 or any(c["name"] not in names for c in calls):
        return f"the scripted reply {json.dumps(calls)[:200]} is not one call of {sorted(names)}"
    return None


def _schema_content(reply: dict[str, Any]) -> str:
    """The reply as the grammar forces it: the call's JSON alone (a scripted text stands in for a broken server)."""
    calls = reply.get("tool_calls", [])
    if not calls:
        return reply.get("content", "")
    return json.dumps({"name": calls[0]["name"], "arguments": calls[0]["args"]})


def _openai_message(reply: dict[str, Any], text_calls: bool) -> tuple[dict[str, Any], str]:
    calls = reply.get("tool_calls", [])
    if text_calls or not calls:
        fenced = [f"```json\n{json.dumps({'name': c['name'], 'arguments': c['args']}, indent=2)}\n```" for c in calls]
        return {"role": "assistant", "content": "\n".join([reply.get("content", ""), *fenced]).strip()}, "stop"
    wire_calls = [
        {
            "id": f"call_{uuid.uuid4().hex[:12]}",
            "type": "function",
            "function": {"name": c["name"], "arguments": _arguments(c["args"])},
        }
        for c in calls
    ]
    return {"role": "assistant", "content": reply.get("content") or None, "tool_calls": wire_calls}, "tool_calls"


def _arguments(args: dict[str, Any] | str) -> str:
    """JSON of the arguments; a string is sent as it is, to stand in for a model's broken JSON."""
    return args if isinstance(args, str) else json.dumps(args)


def _chunks(response: dict[str, Any], usage: bool) -> list[dict[str, Any]]:
    """The completion as a stream's chunks: its text a few characters at a time, its tool calls whole, the usage
    last when the client asked for it."""
    head = {k: response[k] for k in ("id", "created", "model", "system_fingerprint")}
    message, finish = response["choices"][0]["message"], response["choices"][0]["finish_reason"]
    text = message.get("content") or ""
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": text[i : i + 8]} for i in range(0, len(text), 8)]
    calls = message.get("tool_calls") or []
    deltas += [{"tool_calls": [{"index": i, **call}]} for i, call in enumerate(calls)]
    chunks = [
        {**head, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": d, "finish_reason": None}]}
        for d in deltas
    ]
    chunks.append(
        {**head, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    )
    if usage:
        chunks.append({**head, "object": "chat.completion.chunk", "choices": [], "usage": response["usage"]})
    return chunks


def _handler_for(fake: _FakeProvider) -> type[BaseHTTPRequestHandler]:
    class ProviderHandler(Handler):
        def serve(self, request: RecordedRequest) -> None:
            status, body, extra = fake.handle(request)
            if isinstance(body, Streamed):
                self.stream(body)
            else:
                self.reply(status, json.dumps(body).encode(), {"content-type": "application/json", **extra})

        def stream(self, streamed: Streamed) -> None:
            self.close_connection = True
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            try:
                for chunk in streamed.chunks:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(streamed.delay)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                fake.cut_off += 1

    return ProviderHandler
