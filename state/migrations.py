"""Schema versions. Each migration runs once, in order; a newer sparkwright opens an older DB."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from state.models import Base


class SchemaTooNew(Exception):
    pass


def _v1_initial(conn: Connection) -> None:
    Base.metadata.create_all(conn)


MIGRATIONS: list[Callable[[Connection], None]] = [_v1_initial]


def migrate(engine: Engine) -> int:
    """Bring the schema to the latest version; returns it. Refuses a DB from a newer sparkwright."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
        current = conn.execute(text("SELECT max(version) FROM schema_version")).scalar() or 0
        if current > len(MIGRATIONS):
            raise SchemaTooNew(f"this database has schema version {current}, newer than this sparkwright "
                                f"knows ({len(MIGRATIONS)}): upgrade sparkwright")
        for version in range(current + 1, len(MIGRATIONS) + 1):
            MIGRATIONS[version - 1](conn)
            conn.execute(text("INSERT INTO schema_version (version) VALUES (:v)"), {"v": version})
    return len(MIGRATIONS)
