"""Where the job graph's checkpoints go: the record's own database, SQLite or Postgres (psycopg and the Postgres
saver are loaded only for that one)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from sqlalchemy import URL

from state.db import database_url, is_sqlite
from state.postgres import MIGRATION_LOCK, explain_postgres

if TYPE_CHECKING:
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection

CHECKPOINTS_LOCK = MIGRATION_LOCK + 1
"""Not the record's migration lock: a process waiting for that one inside its transaction must not block the
checkpointer's setup, which waits for open transactions."""


@contextmanager
def open_checkpointer(database: str) -> Iterator[BaseCheckpointSaver[str]]:
    """A checkpointer on `database` (a SQLite file's path or a database URL), its tables made."""
    url = database_url(database)
    if is_sqlite(url):
        with SqliteSaver.from_conn_string(str(url.database)) as sqlite_saver:
            # In WAL mode (the saver's and the record's) a commit that waits for no fsync still survives a crash
            # or kill of the process, which is what resume is for (an fsync costs the next step milliseconds).
            sqlite_saver.conn.execute("PRAGMA synchronous=NORMAL")
            yield sqlite_saver
        return
    from langgraph.checkpoint.postgres import PostgresSaver

    with _postgres(url) as conn:
        saver = PostgresSaver(conn)
        if not _set_up(conn, saver):
            _set_up_alone(conn, saver)
        yield saver


def _set_up(conn: Connection[dict[str, object]], saver: PostgresSaver) -> bool:
    """Whether the checkpointer's tables are all there: the usual case, which takes no lock."""
    if conn.execute("SELECT to_regclass('checkpoint_migrations') AS t").fetchone() == {"t": None}:
        return False
    row = conn.execute("SELECT max(v) AS v FROM checkpoint_migrations").fetchone()
    return row is not None and row["v"] == len(saver.MIGRATIONS) - 1


def _set_up_alone(conn: Connection[dict[str, object]], saver: PostgresSaver) -> None:
    """Two workers starting their first jobs on a new database would both make the tables. The lock is tried,
    never waited for inside a statement: the setup's CREATE INDEX CONCURRENTLY waits for every open transaction,
    and one waiting for this lock would wait for it in turn (a deadlock)."""
    while not conn.execute("SELECT pg_try_advisory_lock(%s) AS got", (CHECKPOINTS_LOCK,)).fetchone() == {"got": True}:
        time.sleep(0.05)
    try:
        saver.setup()
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (CHECKPOINTS_LOCK,))


@contextmanager
def _postgres(url: URL) -> Iterator[Connection[dict[str, object]]]:
    """The connection PostgresSaver wants: autocommit, rows as dicts, no prepared statements (poolers). psycopg
    takes the URL without SQLAlchemy's `+psycopg`."""
    from psycopg import Connection, OperationalError
    from psycopg.rows import dict_row

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = Connection.connect(conninfo, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    except OperationalError as exc:
        raise explain_postgres(str(exc), url) from None
    with conn:
        yield conn
