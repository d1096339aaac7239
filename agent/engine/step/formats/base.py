"""What every edit format answers: how a candidate in that format asks the model for its edit, and how the reply is
read. Nothing outside a format branches on its name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from agent.config import Settings
from agent.engine.conversation.loop import TextFormat
from state import Step

if TYPE_CHECKING:
    from agent.engine.context import JobContext


class EditFormat(Protocol):
    name: str
    nudge: str
    """The answer to a reply that makes no tool call; {tools} and {controls} are filled in with their names."""
    retry_hint: str
    """What to do after a failed check, said in this format's own terms."""
    shows_check: bool
    """Whether the opening request says how the check ran before the work (its failure, or that it passes): one
    that does not can be sent while the check still runs."""

    def usable(self, files: Mapping[str, str]) -> bool:
        """Whether this format can work a step with these existing files."""
        ...

    def system(self, tier: str) -> str: ...

    def brief(self, ctx: JobContext, step: Step, files: Mapping[str, str | None], failure: str | None) -> str:
        """The opening message; `failure` is the check's failing part when the candidate shows it first."""
        ...

    def reader(self, files: Mapping[str, str | None]) -> TextFormat | None:
        """How a reply becomes tool calls (None: the model makes tool calls itself)."""
        ...

    def limits(self, settings: Settings) -> tuple[int, int]:
        """How many failed checks, and how many model turns, one attempt in this format gets."""
        ...
