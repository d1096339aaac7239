"""SEARCH/REPLACE blocks: only the lines that change, each with a line or two around them."""

from __future__ import annotations

from agent.engine.step.formats.text_edit import TextEdit


class SearchReplace(TextEdit):
    name = "search_replace"
    system_prompt = """You fix issues in a code repository with minimal, precise changes. For every change, write
the file's path on a line of its own, then an edit block:
<<<<<<< SEARCH
lines copied exactly from the file
=======
the lines that replace them
>>>>>>> REPLACE
Keep SEARCH short: the lines that change and one line around them. Do not change tests unless the task says so."""
    ask = (
        "Fix the issue. For each change, reply with the file's path on a line of its own, then:\n"
        "<<<<<<< SEARCH\n(the lines to change, copied exactly from the file)\n=======\n(the new lines)\n"
        ">>>>>>> REPLACE\nChange only what the issue needs."
    )
    retry_hint = "Reply again with SEARCH/REPLACE blocks against the file as it is now."


SEARCH_REPLACE = SearchReplace()
