"""The planner's deliberation: the model loop on the deep model with read-only tools, ended by a deciding tool."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from pydantic import BaseModel

from agent.engine.context import JobContext
from agent.engine.conversation.loop import Budget, Control, End, ModelLoop
from agent.record import DeliberationEnded
from tools import Observation, Tool, Toolbox, ToolError, planner_tools

NUDGE = "Reply with a tool call; to conclude call one of: {controls}"


class DeliberationFailed(Exception):
    """The deep model reached no decision: its budget ran out, or it kept repeating itself. Each caller ends the
    deliberation its own way (the plan's fallback, the step's escalation limit, an unreviewed finish)."""


def deliberate(
    ctx: JobContext, system: str, brief: str, decisions: Sequence[Tool], purpose: str, step_id: int | None = None
) -> tuple[str, BaseModel]:
    """Returns the name and validated arguments of the deciding call the deep model made."""
    decide = Toolbox(decisions)
    loop = ModelLoop(
        ctx.deep,
        Toolbox(planner_tools(ctx.reader)),
        [Control(tool, partial(_decided, decide, tool.name)) for tool in decisions],
        Budget(ctx.settings.planner_max_turns),
        purpose,
        NUDGE,
        partial(ctx.record.emit, step_id=step_id, purpose=purpose),
        ctx.check_cancelled,
        ctx.record.steering,
        detect_loops=True,
        max_reply_tokens=ctx.deep.decision_cap(),
    )
    ended = loop.run(system, brief)
    if ended.kind != "decided":
        ctx.record.emit(
            DeliberationEnded(purpose=purpose, ended=ended.kind, reason=ended.reason, repeated=ended.value),
            step_id=step_id,
        )
        raise DeliberationFailed(f"the planner reached no {purpose} decision: {ended.reason}")
    return ended.value


def _decided(decide: Toolbox, name: str, args: dict[str, Any]) -> End | Observation:
    try:
        return End("decided", value=(name, decide.parse(name, args)))
    except ToolError as exc:
        return Observation(f"error: {exc}", False)
