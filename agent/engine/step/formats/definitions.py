"""Only the changed definitions: for a Python file too long to rewrite whole, the functions or classes the fix
changes, each whole, merged into the file by name (the rest of the file is never written out again)."""

from __future__ import annotations

from collections.abc import Mapping

from agent.engine.step.formats.text_edit import TextEdit
from agent.engine.step.formats.whole_file import WHOLE_FILE_MAX_LINES


class Definitions(TextEdit):
    name = "definitions"
    system_prompt = """You fix issues in a code repository with minimal, precise changes. For every function or class
you change, write its file's path on a line of its own, then the WHOLE changed definition in one fenced code block
(a method inside its class statement, with only the methods you change). Write nothing you do not change. Do not
change tests unless the task says so."""
    ask = (
        "Fix the issue. Reply with each function or class you change, whole, in its own fenced code block "
        "directly preceded by a line holding the file's path. Leave out everything you do not change."
    )
    retry_hint = "Reply again with the path and each changed function or class, whole, in a code block."

    def usable(self, files: Mapping[str, str]) -> bool:
        """Python files, one of them too long to rewrite whole (a shorter one is rewritten whole: small models
        do that best)."""
        return (
            bool(files)
            and all(path.endswith(".py") for path in files)
            and any(len(text.splitlines()) > WHOLE_FILE_MAX_LINES for text in files.values())
        )


DEFINITIONS = Definitions()
