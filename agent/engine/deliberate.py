"""The deep model's loop: explore with read-only tools until it calls one of the deciding tools."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel

from agent.engine.context import JobContext
from agent.faults import fault_point
from tools import Tool, ToolError, Toolbox, planner_tools
from tools.base import brief_args, truncate_middle


class DeliberationFailed(Exception):
    """The deep model did not reach a decision within its budget."""


def deliberate(ctx: JobContext, system: str, brief: str, decisions: Sequence[Tool], purpose: str,
               step_id: int | None = None) -> tuple[str, BaseModel]:
    """Returns the name and validated arguments of the deciding call the deep model made."""
    explore, decide = Toolbox(planner_tools(ctx.reader)), Toolbox(decisions)
    schemas = explore.schemas() + decide.schemas()
    messages: list[BaseMessage] = [SystemMessage(system), HumanMessage(brief)]
    for _ in range(ctx.settings.planner_max_turns):
        ctx.check_cancelled()
        for note in ctx.record.steering():
            messages.append(HumanMessage(f"Message from the user (steering): {note}"))
            ctx.record.emit("steering", step_id=step_id, message=note, purpose=purpose)
        fault_point(f"{purpose}.before_model")
        reply = ctx.deep.invoke(messages, schemas)
        fault_point(f"{purpose}.after_model")
        ctx.record.emit("model_call", step_id=step_id, purpose=purpose, **ctx.deep.event(reply))
        messages.append(reply.message)
        if not reply.message.tool_calls:
            messages.append(HumanMessage(f"Reply with a tool call; to conclude call one of: {', '.join(decide.tools)}"))
            continue
        for call in reply.message.tool_calls:
            if call["name"] in decide.tools:
                try:
                    return call["name"], decide.parse(call["name"], call.get("args"))
                except ToolError as exc:
                    text, ok = f"error: {exc}", False
            else:
                observation = explore.call(call["name"], call.get("args"))
                text, ok = observation.text, observation.ok
            ctx.record.emit("tool_call", step_id=step_id, tier="deep", tool=call["name"],
                            args=brief_args(call.get("args")), ok=ok, output=truncate_middle(text, 2000))
            messages.append(ToolMessage(text, tool_call_id=call["id"], status="success" if ok else "error"))
    raise DeliberationFailed(f"the planner reached no {purpose} decision in {ctx.settings.planner_max_turns} turns")
