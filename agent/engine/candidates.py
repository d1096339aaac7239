"""How a step is attempted: its tier's candidates, and how a text-format candidate's reply becomes tool calls.

Different formats and prompts fix different bugs, so a failing step tries several, each judged by its check.
Small local models edit best by rewriting a short file whole; hosted models by tool calls."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import partial
from typing import Any, cast

from langchain_core.messages import ToolCall

from agent.config import Candidate, Settings
from agent.engine.loop import TextFormat
from agent.models.llm import LOCAL_SERVERS, split_spec
from agent.models.textcalls import new_call
from agent.test_files import is_test_path
from tools.blocks import search_replace, whole_files, without_code_blocks

WHOLE_FILE_MAX_LINES = 250
_MARKER = re.compile(r"^(<{7}|>{7})", re.MULTILINE)
WHOLE_FILE_LIKENESS = 0.6
"""How alike (difflib's ratio) a rewritten file must be to the file it replaces: a fix changes a few lines."""
"""Longer files are not rewritten whole: a small model's reply would be slow and cut off."""
FOR_LOCAL_MODELS = (
    # Greedy first (a server's default is often 0.8): a small model's most likely fix; then variety.
    Candidate(format="whole_file", temperature=0),
    Candidate(format="search_replace", temperature=0, failure_in_brief=True),
    Candidate(format="whole_file", temperature=0.8, failure_in_brief=True),
)
FOR_HOSTED_MODELS = (Candidate(failure_in_brief=True),)
NUDGES = {
    "whole_file": "Your reply changed no file. Reply with the file's path on a line of its own, then the whole "
    "corrected file in one fenced code block.",
    "search_replace": "Your reply changed no file. Reply with the file's path on a line of its own, then\n"
    "<<<<<<< SEARCH\nlines copied exactly from the file\n=======\nthe new lines\n>>>>>>> REPLACE",
}
RETRY_HINTS = {
    "whole_file": "Reply again with the path and the whole corrected file in a code block.",
    "search_replace": "Reply again with SEARCH/REPLACE blocks against the file as it is now.",
}


def candidates(settings: Settings, tier: str, spec: str, files: Mapping[str, str]) -> list[Candidate]:
    """The candidates a tier tries on a step with these files, in order; at least one."""
    configured = settings.fast_candidates if tier == "fast" else settings.deep_candidates
    default = FOR_LOCAL_MODELS if split_spec(spec)[0] in LOCAL_SERVERS else FOR_HOSTED_MODELS
    usable = [c for c in (configured or default) if _usable(c, files)]
    return (usable or [Candidate()])[: settings.max_candidates]


def _usable(candidate: Candidate, files: Mapping[str, str]) -> bool:
    """A text format needs the step's files in front of the model, and whole files short enough to rewrite."""
    if candidate.format == "tools":
        return True
    if not files:
        return False
    return candidate.format != "whole_file" or all(len(t.splitlines()) <= WHOLE_FILE_MAX_LINES for t in files.values())


def describe(candidate: Candidate) -> str:
    temperature = f", temperature {candidate.temperature:g}" if candidate.temperature is not None else ""
    return f"{candidate.format}{temperature}{', failure shown first' if candidate.failure_in_brief else ''}"


def text_format(candidate: Candidate, originals: Mapping[str, str | None]) -> TextFormat | None:
    """How the reply of a text-format candidate is read (None for tool calls). Either way of writing an edit is
    taken whichever was asked for: small models often answer a request for blocks with the whole file."""
    if candidate.format == "tools":
        return None
    return TextFormat(partial(_text_calls, dict(originals)), NUDGES[candidate.format])


def _text_calls(originals: dict[str, str | None], text: str) -> list[ToolCall]:
    """Calls for the edits a reply holds, then `finish`; `originals` are the step's files (None: not made yet)."""
    paths = list(originals)
    edits = [
        _call("edit_file", path=b.path, old_text=b.search, new_text=b.replace)
        if b.search.strip()
        else _call("create_file", path=b.path, content=b.replace)
        for b in search_replace(text, paths)
        if b.search.strip() or _new_file(originals, b.path)  # an empty SEARCH only makes a file, never overwrites one
    ] or [
        _call("create_file", path=f.path, content=f.content)
        for f in whole_files(text, paths)
        if (f.path in originals or is_test_path(f.path))
        and looks_whole(originals.get(f.path), f.content)
        and f.content.strip() != (originals.get(f.path) or "").strip()  # the file as it was is no edit
    ]
    return [*edits, _call("finish", summary=_summary(text))] if edits else []


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
