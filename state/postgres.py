"""A Postgres database under the store: its engine, its clock, its errors in words. psycopg is loaded with the
engine (`state.postgres_text`), so a SQLite record never loads it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import URL, DateTime, Engine, Select, create_engine, event, func, select

from state.db import DatabaseError, shown

if TYPE_CHECKING:
    from psycopg import Connection

CONNECT_TIMEOUT = 10
MIGRATION_LOCK = 0x73706B77
"""The advisory lock every sparkwright process takes to migrate the schema, so two opening a new database at
once do not both create the same tables."""

WHERE_TO_FIX = "fix the db URL (--db, SPARKWRIGHT_DB or the config file)"


def postgres_engine(url: URL) -> Engine:
    from state.postgres_text import NulFreeText

    # pre-ping: a worker outlives server restarts and idle connections dropped by the network.
    engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT})

    @event.listens_for(engine, "connect")
    def _nul_free(conn: Connection[object], _record: object) -> None:
        conn.adapters.register_dumper(str, NulFreeText)

    return engine


def database_clock() -> Select[datetime]:
    """Now by the server's clock, as naive UTC like every time in the record."""
    return select(func.timezone("UTC", func.now(), type_=DateTime))


def explain_postgres(message: str, url: URL) -> DatabaseError:
    """A psycopg error in words. The server's messages never carry the password; it is masked all the same."""
    if url.password:
        message = message.replace(str(url.password), "***")
    where = shown(url)
    if "password authentication failed" in message or ("role" in message and "does not exist" in message):
        return DatabaseError(f"cannot sign in to {where}: the user or password is wrong; {WHERE_TO_FIX}")
    if "database" in message and "does not exist" in message:
        return DatabaseError(f"{where}: the server has no such database: create it (createdb NAME) or {WHERE_TO_FIX}")
    unreachable = ("Connection refused", "could not translate host name", "timeout expired", "No route to host")
    if any(words in message for words in unreachable):
        return DatabaseError(f"cannot reach the database server of {where}: start PostgreSQL there or {WHERE_TO_FIX}")
    first = " ".join(message.split())[:300]
    return DatabaseError(f"database error on {where}: {first}")
