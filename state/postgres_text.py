"""Text as psycopg sends it to Postgres. A module of its own so that only a Postgres record loads psycopg."""

from __future__ import annotations

from psycopg.abc import Buffer
from psycopg.types.string import StrDumperUnknown


class NulFreeText(StrDumperUnknown):
    """Postgres text holds no NUL character; a command's output or an issue's text may carry one. The record keeps
    it as U+FFFD rather than fail the job (SQLite keeps it as it is)."""

    def dump(self, obj: str) -> Buffer | None:
        return super().dump(obj.replace("\x00", "\ufffd"))
