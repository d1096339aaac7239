"""A diff as the review page shows it: `unidiff` reads git's output into files, hunks and numbered lines;
Pygments highlights each line in its file's language. Test files come first."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound
from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from agent.test_files import is_test_path

MAX_LINES = 4000
FORMATTER = HtmlFormatter(nowrap=True)
KINDS = {"+": "add", "-": "del", " ": "ctx"}


@dataclass
class DiffLine:
    kind: str
    """add, del or ctx."""
    old: int | None
    new: int | None
    html: Markup
    """The line's text, escaped and highlighted by Pygments."""
    text: str
    """The line's text as it is, for a comment's anchor."""

    @property
    def anchor(self) -> str:
        """Where a comment on this line points: the new file's line, or the old one's for a removed line."""
        return f"{self.new}" if self.new is not None else f"{self.old} (removed)"


@dataclass
class DiffFile:
    path: str
    status: str
    is_test: bool
    binary: bool = False
    hunks: list[tuple[str, list[DiffLine]]] = field(default_factory=list)
    cut: bool = False
    """Lines past MAX_LINES were left out."""


def render_diff(text: str) -> list[DiffFile]:
    try:
        patch = PatchSet(text)
    except UnidiffParseError:
        return [DiffFile("(diff)", "unreadable", False, hunks=[("", [_plain(line) for line in text.splitlines()])])]
    budget = MAX_LINES
    files = []
    for patched in patch:
        status = "added" if patched.is_added_file else "removed" if patched.is_removed_file else "modified"
        shown = DiffFile(patched.path, status, is_test_path(patched.path), binary=patched.is_binary_file)
        lexer = _lexer(patched.path)
        for hunk in patched:
            lines = []
            for line in hunk:
                if line.line_type not in KINDS:
                    continue
                if budget <= 0:
                    shown.cut = True
                    break
                budget -= 1
                html = Markup(highlight(line.value, lexer, FORMATTER).rstrip("\n"))  # noqa: S704 (Pygments escapes)
                kind, text = KINDS[line.line_type], line.value.rstrip("\n")
                lines.append(DiffLine(kind, line.source_line_no, line.target_line_no, html, text))
            shown.hunks.append((hunk.section_header or "", lines))
        files.append(shown)
    return sorted(files, key=lambda f: not f.is_test)


def _plain(text: str) -> DiffLine:
    return DiffLine("ctx", None, None, Markup.escape(text), text)


@lru_cache(maxsize=256)
def _lexer(path: str) -> Lexer:
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def pygments_css() -> str:
    return FORMATTER.get_style_defs(".code")  # type: ignore[no-any-return]
