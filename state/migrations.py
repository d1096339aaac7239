"""Schema versions. Each migration runs once, in order; a newer sparkwright opens an older DB."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from state.models import Base
from state.postgres import MIGRATION_LOCK


class SchemaTooNew(Exception):
    pass


class ForeignDatabase(Exception):
    """The file is another program's SQLite database."""


def _v1_initial(conn: Connection) -> None:
    Base.metadata.create_all(conn)


def _v2_queue(conn: Connection) -> None:
    """Leases' history, branch bundles, a queued job's repository URL and time, stop requests. v1 creates tables from
    today's models, so only a database made by an older sparkwright lacks them: each is added if missing."""
    Base.metadata.create_all(conn)
    jobs = {c["name"] for c in inspect(conn).get_columns("jobs")}
    for name, kind in (("repo_url", "TEXT"), ("queued_at", "TIMESTAMP"), ("stop_requested_at", "TIMESTAMP")):
        if name not in jobs:
            conn.execute(text(f"ALTER TABLE jobs ADD COLUMN {name} {kind}"))


MIGRATIONS: list[Callable[[Connection], None]] = [_v1_initial, _v2_queue]


def refuse_foreign(path: Path) -> None:
    """Refuse a database with tables but no schema_version before anything writes to it: adding ours (or
    even switching it to WAL) would change another program's file. Reading leaves its bytes as they are."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        with closing(sqlite3.connect(path)) as conn:
            tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    except sqlite3.DatabaseError:
        return  # not a database at all, or locked: opening it says so
    if tables and "schema_version" not in tables:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise ForeignDatabase(
            f"{path} is not a sparkwright database (it holds other tables: {shown}): "
            "point --db at a new file or a sparkwright database"
        )


def migrate(engine: Engine) -> int:
    """Bring the schema to the latest version; returns it. Refuses a DB from a newer sparkwright."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Processes opening a new database at once wait for the first; DDL is transactional on Postgres,
            # so the others then find the schema made.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        conn.execute(text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
        current = conn.execute(text("SELECT max(version) FROM schema_version")).scalar() or 0
        if current > len(MIGRATIONS):
            raise SchemaTooNew(
                f"this database has schema version {current}, newer than this sparkwright "
                f"knows ({len(MIGRATIONS)}): upgrade sparkwright"
            )
        for version in range(current + 1, len(MIGRATIONS) + 1):
            MIGRATIONS[version - 1](conn)
            conn.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": version})
    return len(MIGRATIONS)
