"""The whole corrected file in a code block: what one good prompt to a small model asks for."""

from __future__ import annotations

from collections.abc import Mapping

from agent.engine.step.formats.text_edit import TextEdit

WHOLE_FILE_MAX_LINES = 250
"""Longer files are not rewritten whole: a small model's reply would be slow and cut off."""


class WholeFile(TextEdit):
    name = "whole_file"
    system_prompt = """You fix issues in a code repository with minimal, precise changes. For every file you change,
write its path on a line of its own, then the WHOLE corrected file in one fenced code block. Keep everything that
does not need to change exactly as it is. Do not change tests unless the task says so."""
    # Small models follow the last words of the prompt: the ask comes after the files, as in one good prompt.
    ask = (
        "Fix the issue. Reply with the whole corrected content of each file you change, each in its own "
        "fenced code block directly preceded by a line holding the file's path. Change only what the issue needs."
    )
    retry_hint = "Reply again with the path and the whole corrected file in a code block."

    def usable(self, files: Mapping[str, str]) -> bool:
        return bool(files) and all(len(t.splitlines()) <= WHOLE_FILE_MAX_LINES for t in files.values())


WHOLE_FILE = WholeFile()
