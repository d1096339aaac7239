"""Events of the model loops: each model call, each tool call, each steering message delivered."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.record.base import EventModel
from state import Tier

WORKER = "worker"


class CalledTool(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    """The tool the model called."""
    args: Any = None
    """Its arguments, long strings cut in the middle."""


class ModelCall(EventModel):
    kind = "model_call"
    purpose: str = WORKER
    """What the deep model was deciding: plan, escalation, review or feedback; a step's attempt leaves it out."""
    tier: Tier = "fast"
    """Which model answered."""
    model: str = ""
    """Its `provider:model`."""
    latency_ms: float = 0.0
    """How long the call took."""
    tokens_in: int = 0
    """Prompt tokens."""
    tokens_out: int = 0
    """Completion tokens."""
    tokens_cached: int = 0
    """Prompt tokens the server reused from its prompt cache instead of reading them again."""
    first_token_ms: float | None = None
    """From the request to the reply's first token, when it was streamed."""
    waiting_ms: float = 0.0
    """How long the reply had waited when it was taken (its request was sent early): the call ended that long before
    this event."""
    content: str = ""
    """What the model wrote besides tool calls, cut in the middle."""
    tool_calls: list[CalledTool] = Field(default_factory=list)
    """The tool calls it asked for."""
    request: str = ""
    """A digest of the request (messages, tools, temperature): the same request sent twice has the same one."""
    repeat: bool = False
    """A greedy request identical to one already sent for this step: its reply was known (the target is never)."""


class ToolCall(EventModel):
    kind = "tool_call"
    purpose: str | None = None
    """What the deep model was deciding when it called the tool; a step's attempt (and older records) leave it out."""
    tier: Tier = "fast"
    """Which model called it (older records leave it out for the worker's calls)."""
    tool: str
    """The tool called."""
    args: Any = None
    """Its arguments, long strings cut in the middle."""
    ok: bool = True
    """False when the tool answered with an error."""
    output: str = ""
    """What the tool answered, cut in the middle."""
    seconds: float = 0.0
    """How long the tool ran (recorded for the worker's calls)."""
    since_reply_ms: float | None = None
    """For a reply's first call: our own time from the model's reply to the tool's end."""


class Steering(EventModel):
    kind = "steering"
    purpose: str = WORKER
    """Which loop read it: a step's attempt, or the deep model deciding plan, escalation, review or feedback."""
    message: str
    """The user's message, as handed to the model."""
