"""Where the job graph's checkpoints go: the record's own database, SQLite or Postgres."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from psycopg import Connection, OperationalError
from psycopg.rows import dict_row
from sqlalchemy import URL

from state.db import database_url, is_sqlite
from state.postgres import MIGRATION_LOCK, explain_postgres


@contextmanager
def open_checkpointer(database: str) -> Iterator[BaseCheckpointSaver[str]]:
    """A checkpointer on `database` (a SQLite file's path or a database URL), its tables made."""
    url = database_url(database)
    if is_sqlite(url):
        with SqliteSaver.from_conn_string(str(url.database)) as sqlite_saver:
            yield sqlite_saver
        return
    with _postgres(url) as conn:
        saver = PostgresSaver(conn)
        # Two workers starting their first jobs on a new database would both create the tables.
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            saver.setup()
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        yield saver


@contextmanager
def _postgres(url: URL) -> Iterator[Connection[dict[str, object]]]:
    """The connection PostgresSaver wants: autocommit, rows as dicts, no prepared statements (poolers). psycopg
    takes the URL without SQLAlchemy's `+psycopg`."""
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = Connection.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except OperationalError as exc:
        raise explain_postgres(str(exc), url) from None
    with conn:
        yield conn
