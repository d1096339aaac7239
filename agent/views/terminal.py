"""The terminal the commands write to: `err`, their stderr, and untrusted text (issues, model and tool output)
made safe to show on it."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.text import Text

err = Console(stderr=True)

# C0 controls but tab and newline, DEL and C1: ESC ] 0 ; … BEL retitles a terminal, ESC [ … m recolours it,
# a carriage return overwrites the line; shown as \x1b and so on instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """`text` with control characters other than newline and tab written out as escapes (`\\x1b`)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text).replace("\r\n", "\n"))


def markup_safe(text: object) -> str:
    """`printable(text)` with rich markup escaped, for untrusted text inside a markup string."""
    return escape(printable(text))


def safe_text(*parts: str | tuple[str, str] | Text) -> Text:
    """Text of `parts` (strings, or (string, style)), each made printable; markup in them is not parsed."""
    return Text.assemble(
        *(
            p if isinstance(p, Text) else (printable(p[0]), p[1]) if isinstance(p, tuple) else printable(p)
            for p in parts
        )
    )


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {markup_safe(message)}", highlight=False, soft_wrap=True)
