"""Edit formats: how a candidate asks the model for its edit and reads the reply. Each format is one object that
owns everything about it (system prompt, brief, ask, nudge, retry hint, reader, limits): adding a format is adding
a module here and a line below."""

from agent.engine.step.formats.base import EditFormat
from agent.engine.step.formats.definitions import DEFINITIONS
from agent.engine.step.formats.search_replace import SEARCH_REPLACE
from agent.engine.step.formats.single_prompt import SINGLE_PROMPT
from agent.engine.step.formats.tool_calls import TOOL_CALLS
from agent.engine.step.formats.whole_file import WHOLE_FILE

FORMATS: dict[str, EditFormat] = {
    f.name: f for f in (TOOL_CALLS, SINGLE_PROMPT, WHOLE_FILE, SEARCH_REPLACE, DEFINITIONS)
}


def edit_format(name: str) -> EditFormat:
    return FORMATS[name]


__all__ = ["FORMATS", "EditFormat", "edit_format"]
