"""What the text formats share: the model is offered no tools and writes its edit in code blocks, which are read
into tool calls. Either way of writing an edit is taken whichever was asked for: small models often answer a
request for SEARCH/REPLACE blocks with the whole file."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from langchain_core.messages import ToolCall

from agent.config import Settings
from agent.engine.conversation.loop import TextFormat
from agent.issue import issue_block
from agent.models.textcalls import new_call
from agent.test_files import is_test_path
from state import Job, Step
from tools.blocks import merged_edits, search_replace, whole_files, without_code_blocks
from tools.merge import looks_like_fragment

if TYPE_CHECKING:
    from agent.engine.context import JobContext

_MARKER = re.compile(r"^(<{7}|>{7})", re.MULTILINE)
WHOLE_FILE_LIKENESS = 0.6
"""How alike (difflib's ratio) a rewritten file must be to the file it replaces: a fix changes a few lines."""


class TextEdit:
    """A text format: its own system prompt, ask (the prompt's last words) and retry hint. A reply holding no edit
    ends the candidate, so there is no nudge."""

    name: str
    system_prompt: str
    ask: str
    nudge = ""
    retry_hint: str
    shows_check = True

    def usable(self, files: Mapping[str, str]) -> bool:
        """A text format needs the step's files in front of the model."""
        return bool(files)

    def system(self, tier: str) -> str:
        return self.system_prompt

    def brief(self, ctx: JobContext, step: Step, files: Mapping[str, str | None], failure: str | None) -> str:
        return text_edit_brief(ctx.job, step, {p: t or "" for p, t in files.items()}, failure, self.ask)

    def reader(self, files: Mapping[str, str | None]) -> TextFormat | None:
        return TextFormat(partial(text_calls, dict(files)))

    def limits(self, settings: Settings) -> tuple[int, int]:
        return settings.text_edit_tries, min(settings.worker_max_turns, settings.text_edit_tries)


def text_edit_brief(job: Job, step: Step, files: dict[str, str], failure: str | None, ask: str) -> str:
    """Like a single good prompt: the issue and the files whole, the ask last."""
    parts = [f"## Issue\n{issue_block(job)}"]
    if step.instructions[:60].strip() not in job.issue_text:  # quick mode's step is the issue itself: once is enough
        parts.append(f"## Your task: {step.title}\n{step.instructions}")
    if step.guidance:
        parts.append(f"## Guidance from the planner\n{step.guidance}")
    if failure is not None:
        parts.append(f"## The check `{step.check_command}` fails now\n{failure}")
    for path, text in files.items():
        parts.append(f"{path}\n```\n{text}\n```" if text else f"{path}\n(does not exist yet)")
    parts.append(ask)
    return "\n\n".join(parts)


def text_calls(originals: dict[str, str | None], text: str) -> list[ToolCall]:
    """Calls for the edits a reply holds, then `finish`; `originals` are the step's files (None: not made yet).
    SEARCH/REPLACE blocks first, else whole files, else Python definitions merged into their files by name: small
    models often answer with just the function they changed, and that is their fix, not the file."""
    edits = _block_edits(originals, text) or _whole_file_edits(originals, text) or _merged_edits(originals, text)
    if edits:
        return [*edits, _call("finish", summary=_summary(text))]
    # The files written back as they are: a reply that changes nothing, judged as one (a greedy candidate that
    # gives it has nothing more to give), not as a reply that said nothing, to be asked again.
    return [_call("finish", summary=RESTATED)] if _restated(originals, text) else []


RESTATED = "the reply wrote the files back unchanged"


def _restated(originals: dict[str, str | None], text: str) -> bool:
    return any(
        (original := originals.get(f.path)) is not None and f.content.strip() == original.strip()
        for f in whole_files(text, list(originals))
    )


def _block_edits(originals: dict[str, str | None], text: str) -> list[ToolCall]:
    return [
        _call("edit_file", path=b.path, old_text=b.search, new_text=b.replace)
        if b.search.strip()
        else _call("create_file", path=b.path, content=b.replace)
        for b in search_replace(text, list(originals))
        if b.search.strip() or _new_file(originals, b.path)  # an empty SEARCH only makes a file, never overwrites one
    ]


def _whole_file_edits(originals: dict[str, str | None], text: str) -> list[ToolCall]:
    return [
        _call("create_file", path=f.path, content=f.content)
        for f in whole_files(text, list(originals))
        if (f.path in originals or is_test_path(f.path))
        and looks_whole(originals.get(f.path), f.content)
        and not _fragment(f.path, originals.get(f.path), f.content)
        and f.content.strip() != (originals.get(f.path) or "").strip()  # the file as it was is no edit
    ]


def _merged_edits(originals: dict[str, str | None], text: str) -> list[ToolCall]:
    return [_call("create_file", path=path, content=m.text) for path, m in merged_edits(text, originals).items()]


def _fragment(path: str, original: str | None, content: str) -> bool:
    """Part of a Python file (some of its definitions): written whole, it would drop the rest of the file."""
    return original is not None and path.endswith(".py") and looks_like_fragment(original, content)


def _new_file(originals: dict[str, str | None], path: str) -> bool:
    """A step's file not made yet, or a new test file (the file tools refuse a path that escapes the workspace)."""
    return originals.get(path) is None and (path in originals or is_test_path(path))


def looks_whole(original: str | None, new: str) -> bool:
    """A block that replaces an existing file must look like that file: small models answer with an echo of the
    prompt, a bare path or an empty block, and writing those would only break the file."""
    if _MARKER.search(new):  # a SEARCH/REPLACE block written without its `=======` is still not a file
        return False
    if original is None:
        return bool(new.strip())
    return difflib.SequenceMatcher(None, original, new, autojunk=False).ratio() >= WHOLE_FILE_LIKENESS


def _summary(text: str) -> str:
    """The reply's first line of prose outside its code blocks, if it has one, as the step's summary."""
    for line in without_code_blocks(text).splitlines():
        if " " in line.strip() and not line.lstrip().startswith(("```", "<<<<<<<", "#")):
            return line.strip()[:200]
    return ""


def _call(name: str, **args: Any) -> ToolCall:
    return cast(ToolCall, new_call(name, args))
