"""Chat models by configuration ("provider:model"), and `LLM`: one tier's model whose calls are measured."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, BaseMessageChunk, message_chunk_to_message
from pydantic import SecretStr

from agent.models.errors import ModelConfigError, ModelUnavailable, ReplyStopped
from agent.models.schema_calls import response_format, schema_history, with_schema_call
from agent.models.textcalls import offered_tools, with_repaired_tool_calls, with_text_tool_calls
from agent.redact import scrub
from state import Tier
from tools.base import RECORDED_TEXT_LIMIT, brief_args, truncate_middle

ToolCalls = Literal["native", "schema"]
LOCAL_SERVERS = {
    "ollama": "http://localhost:11434/v1",
    "llamacpp": "http://localhost:8080/v1",
    "vllm": "http://localhost:8000/v1",
    "openai-compatible": None,
    "local": None,
}
PROVIDERS = ("openai", "anthropic", *LOCAL_SERVERS, "scripted")
STREAMED = ("openai", *LOCAL_SERVERS)
"""Providers whose text replies are streamed (the first token's time is known): OpenAI's wire format. Tool calls
are not: a streamed call's arguments cut off mid-JSON would be read leniently, as if whole."""
CHARS_PER_TOKEN = 3
REPLY_PROSE_TOKENS = 512
MAX_REPLY_TOKENS = 8192
DECISION_TOKENS = 1024
"""The most a planner's reply (a tool call, a plan, a decision) needs from a local model: real 1.5B plans and
escalation decisions took at most 706 tokens, and one that ran on for three minutes was repeating itself."""


@dataclass(frozen=True)
class ModelReply:
    message: AIMessage
    latency: float
    tokens_in: int
    tokens_out: int
    tokens_cached: int = 0
    """Prompt tokens the server reused from its cache (llama.cpp, OpenAI and Anthropic all report them)."""
    first_token: float | None = None
    """Seconds from the request to the reply's first token, when it was streamed."""
    waiting: float = 0.0
    """Seconds the reply had waited when it was taken (a request sent early): the call ended that long before."""


def split_spec(spec: str) -> tuple[str, str]:
    provider, sep, name = spec.partition(":")
    if not sep or not name:
        raise ModelConfigError(
            f"model {spec!r} is not provider:model, e.g. openai:gpt-4.1-mini or anthropic:claude-sonnet-4-5"
        )
    if provider not in PROVIDERS:
        raise ModelConfigError(f"unknown provider {provider!r} in {spec!r}: use one of {', '.join(PROVIDERS)}")
    return provider, name


def is_local(spec: str) -> bool:
    """Served by a local OpenAI-compatible server (llama.cpp, Ollama, vLLM …): small, slow, free to call."""
    return split_spec(spec)[0] in LOCAL_SERVERS


def make_chat_model(spec: str, base_url: str | None, env: dict[str, str] | None = None) -> BaseChatModel:
    """Build the chat model for `spec`; refuses a missing API key before any job is made."""
    return chat_model_recipe(spec, base_url, env)()


def chat_model_recipe(
    spec: str, base_url: str | None, env: dict[str, str] | None = None
) -> Callable[[], BaseChatModel]:
    """What builds the chat model for `spec`, its settings checked now (a missing API key, a bad URL or script is
    refused before any job is made); the provider's package is imported when it is called."""
    env = dict(os.environ if env is None else env)
    provider, name = split_spec(spec)
    if base_url:
        check_base_url(base_url)
    if provider == "scripted":
        from agent.models.scripted import ScriptedChatModel

        scripted = ScriptedChatModel.from_file(name)
        return lambda: scripted
    if provider == "anthropic":
        if not env.get("ANTHROPIC_API_KEY"):
            raise ModelConfigError("ANTHROPIC_API_KEY is not set: export it, or choose another provider")
        anthropic_key = SecretStr(env["ANTHROPIC_API_KEY"])

        def anthropic() -> BaseChatModel:
            from langchain_anthropic import ChatAnthropic

            return ChatAnthropic(  # type: ignore[call-arg]  # `model` is the pydantic alias of `model_name`
                model=name, api_key=anthropic_key, base_url=base_url, max_retries=3, timeout=300
            )

        return anthropic
    if provider in LOCAL_SERVERS:
        base_url = base_url or LOCAL_SERVERS[provider]
        if not base_url:
            raise ModelConfigError(f"{provider}:{name} needs the server's URL: pass --base-url http://HOST:PORT/v1")
        # OPENAI_API_KEY is OpenAI's: a local or third-party server gets its own key, never that one.
        api_key: str | None = env.get("SPARKWRIGHT_LOCAL_API_KEY") or "not-needed"
    else:
        api_key = env.get("OPENAI_API_KEY")
        if not api_key and not base_url:
            raise ModelConfigError("OPENAI_API_KEY is not set: export it, or use --base-url for a local server")
    openai_key = SecretStr(api_key or "not-needed")

    def openai() -> BaseChatModel:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(model=name, base_url=base_url, api_key=openai_key, max_retries=3, timeout=300)

    return openai


class BuiltSoon:
    """A chat model built in a thread of its own: importing a provider's package takes CPU time (langchain_openai and
    the openai SDK: 0.4 s here) that the job's start and first test run, waiting on git and the tests, leave free.
    Taken at its first use; a build that failed in the thread is tried once more there, so that an error that
    stays is raised in the job."""

    def __init__(self, recipe: Callable[[], BaseChatModel]) -> None:
        self._recipe = recipe
        self._built: Future[BaseChatModel] = Future()
        threading.Thread(target=self._build, name="model-import").start()

    def _build(self) -> None:
        try:
            self._built.set_result(self._recipe())
        except BaseException as exc:
            self._built.set_exception(exc)

    def take(self) -> BaseChatModel:
        try:
            return self._built.result()
        except Exception:
            return self._recipe()


def check_base_url(base_url: str) -> None:
    """Refuse a server URL that is not http(s)://HOST[:PORT][/PATH] before anything uses it."""
    try:
        parts = urlsplit(base_url)
        _ = parts.port  # a ValueError for a port that is not a number in range
    except ValueError as exc:
        raise ModelConfigError(
            f"the base URL {base_url!r} is not a valid URL ({exc}): pass e.g. --base-url http://localhost:8080/v1"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ModelConfigError(
            f"the base URL {base_url!r} needs http:// or https:// and a host: pass e.g. "
            "--base-url http://localhost:8080/v1"
        )


def check_reachable(base_url: str, timeout: float = 3.0) -> None:
    """Refuse early when an OpenAI-compatible server does not answer at all."""
    try:
        httpx.get(base_url.rstrip("/") + "/models", timeout=timeout)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise ModelConfigError(
            f"the model server at {base_url} does not answer ({type(exc).__name__}): start it or fix --base-url"
        ) from None


def tool_calls_for(setting: str, spec: str) -> ToolCalls:
    """How a tier asks for tool calls; "auto" is constrained output (schema) for local servers, native otherwise."""
    if setting == "auto":
        return "schema" if is_local(spec) else "native"
    if setting == "schema" and split_spec(spec)[0] == "anthropic":
        raise ModelConfigError(f"{spec} takes no output schema: set its tier's tool_calls to native or auto")
    if setting not in ("native", "schema"):
        raise ModelConfigError(f"tool calls {setting!r} is not native, schema or auto: fix deep/fast_tool_calls")
    return "schema" if setting == "schema" else "native"


class LLM:
    """One tier's chat model. Every call returns its latency and token usage for the record.

    `tool_calls="schema"` asks for exactly one call as constrained JSON output instead of binding the tools."""

    def __init__(
        self, tier: Tier, spec: str, model: BaseChatModel | BuiltSoon, tool_calls: ToolCalls = "native"
    ) -> None:
        self.tier, self.spec, self._model, self.tool_calls = tier, spec, model, tool_calls
        self._bound: dict[tuple[str, ...], Any] = {}
        self._stop: threading.Event | None = None
        self._early: dict[tuple[str, int | None], Future[tuple[ModelReply, float]]] = {}
        self._early_lock = threading.Lock()

    @property
    def model(self) -> BaseChatModel:
        if isinstance(self._model, BuiltSoon):
            self._model = self._model.take()
        return self._model

    def stoppable(self, stop: threading.Event) -> LLM:
        """The same model, its replies streamed and cut off as soon as `stop` is set (ReplyStopped): closing the
        stream tells the server to stop generating, which frees its slot for the work that goes on."""
        twin = LLM(self.tier, self.spec, self.model, self.tool_calls)
        twin._bound, twin._stop = self._bound, stop
        return twin

    def send_early(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any]],
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> None:
        """Send a request now, in the background, so that the model works while we still prepare (run the first
        check, say): the `invoke` of exactly this request takes its reply instead of asking again."""
        key = self._early_key(messages, tools, temperature, max_tokens)
        reply: Future[tuple[ModelReply, float]] = Future()
        with self._early_lock:
            if key in self._early:
                return
            # One step's opening at a time: one left untaken (a steering message changed the request) is stale.
            self._early = {key: reply}

        def ask() -> None:
            try:
                reply.set_result((self._ask(messages, tools, temperature, max_tokens), time.perf_counter()))
            except BaseException as exc:  # raised again where the reply is taken
                reply.set_exception(exc)

        threading.Thread(target=ask, name=f"{self.tier}-model-early", daemon=True).start()

    def invoke(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any]],
        temperature: float | None = None,
        max_tokens: int | None = None,
    ) -> ModelReply:
        """One model call offering `tools` (none: a plain text reply); `temperature` overrides the sampling one,
        `max_tokens` caps the reply. A request sent early (`send_early`) is not sent again: its reply is taken."""
        if self._early:
            key = self._early_key(messages, tools, temperature, max_tokens)
            with self._early_lock:
                early = self._early.pop(key, None)
            if early is not None:
                taken, arrived = early.result()
                return replace(taken, waiting=max(time.perf_counter() - arrived, 0.0))
        return self._ask(messages, tools, temperature, max_tokens)

    def _early_key(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any]],
        temperature: float | None,
        cap: int | None,
    ) -> tuple[str, int | None]:
        return request_digest(self.spec, messages, list(tools), temperature), cap

    def _ask(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[dict[str, Any]],
        temperature: float | None,
        max_tokens: int | None,
    ) -> ModelReply:
        schema = self.tool_calls == "schema" and bool(tools)
        runnable = self._bind(tools, schema)
        if temperature is not None and not self.spec.startswith("scripted:"):
            runnable = runnable.bind(temperature=temperature)
        if max_tokens is not None and not self.spec.startswith("scripted:"):
            runnable = runnable.bind(max_tokens=max_tokens)
        started = time.perf_counter()
        try:
            history = schema_history(messages, tools) if schema else list(messages)
            streamed = self._stop is not None or (not tools and split_spec(self.spec)[0] in STREAMED)
            message, first = (
                self._streamed(runnable, history, started) if streamed else (runnable.invoke(history), None)
            )
        except ReplyStopped:
            raise
        except Exception as exc:
            # langchain re-raises SDK errors as its own subclasses (langchain_openai's OpenAIAPIError …).
            if any(
                t.__module__.split(".")[0] in ("openai", "anthropic", "httpx", "httpcore") for t in type(exc).__mro__
            ):
                # A server may echo the key it was sent in its error: never let that into the record.
                reason = scrub(f"the {self.tier} model {self.spec} failed: {type(exc).__name__}: {exc}")
                raise ModelUnavailable(reason) from None
            raise
        latency = time.perf_counter() - started
        usage = message.usage_metadata or {}
        message = with_repaired_tool_calls(message)
        message = with_schema_call(message, tools) if schema else with_text_tool_calls(message, offered_tools(tools))
        cached = (usage.get("input_token_details") or {}).get("cache_read") or 0
        return ModelReply(message, latency, usage.get("input_tokens", 0), usage.get("output_tokens", 0), cached, first)

    def reply_cap(self, files: Iterable[str | None]) -> int | None:
        """The most a reply about these files may need, for a local model: a small one can fall into repeating
        itself until its context is full (the 1.5B here wrote 2,600 tokens, four minutes, for a ten-line test).
        Room for every file written out whole one and a half times, and for prose; no cap for hosted models."""
        if not is_local(self.spec):
            return None
        return min(MAX_REPLY_TOKENS, REPLY_PROSE_TOKENS + int(1.5 * sum(len(f or "") for f in files) / CHARS_PER_TOKEN))

    def decision_cap(self) -> int | None:
        """The reply cap of a deliberation's calls: for a local model, `DECISION_TOKENS`."""
        return DECISION_TOKENS if is_local(self.spec) else None

    def event(self, reply: ModelReply) -> dict[str, Any]:
        """The `model_call` event's fields: tier, latency, tokens, and what the model said, in short."""
        return {
            "tier": self.tier,
            "model": self.spec,
            "latency_ms": round(reply.latency * 1000, 1),
            "tokens_in": reply.tokens_in,
            "tokens_out": reply.tokens_out,
            "tokens_cached": reply.tokens_cached,
            "first_token_ms": None if reply.first_token is None else round(reply.first_token * 1000, 1),
            "waiting_ms": round(reply.waiting * 1000, 1),
            "content": truncate_middle(str(reply.message.content), RECORDED_TEXT_LIMIT),
            "tool_calls": [{"name": c["name"], "args": brief_args(c.get("args"))} for c in reply.message.tool_calls],
        }

    def _streamed(self, runnable: Any, history: list[BaseMessage], started: float) -> tuple[AIMessage, float | None]:
        """The reply streamed, and the seconds to its first token; cut off (ReplyStopped) when `stop` is set."""
        # The usage (and the tokens the server reused) comes in the stream's last chunk only when asked for.
        usage = {"stream_usage": True} if "stream_usage" in type(self.model).model_fields else {}
        chunks: list[BaseMessageChunk] = []
        first: float | None = None
        stream = runnable.stream(history, **usage)
        try:
            for chunk in stream:
                if self._stop is not None and self._stop.is_set():
                    raise ReplyStopped("the reply was stopped with its candidate")
                if first is None and (chunk.content or getattr(chunk, "tool_call_chunks", None)):
                    first = time.perf_counter() - started
                chunks.append(chunk)
        finally:
            stream.close()
        message = message_chunk_to_message(chunks[0] + chunks[1:]) if chunks else AIMessage("")
        return (message if isinstance(message, AIMessage) else AIMessage(str(message.content))), first

    def _bind(self, tools: Sequence[dict[str, Any]], schema: bool) -> Any:
        key = tuple(t["function"]["name"] for t in tools)
        if key not in self._bound:
            if schema:
                self._bound[key] = self.model.bind(response_format=response_format(tools))
            else:
                self._bound[key] = self.model.bind_tools(list(tools)) if tools else self.model
        return self._bound[key]


def request_digest(
    model: str, messages: Sequence[BaseMessage], tools: list[dict[str, Any]], temperature: float | None
) -> str:
    """What a deterministic server answers alike: the same model, messages, tools and temperature."""
    said = [(m.type, m.content, [(c["name"], c["args"]) for c in getattr(m, "tool_calls", [])]) for m in messages]
    names = [t["function"]["name"] for t in tools]
    text = json.dumps([model, said, names, temperature], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
