"""Where the record lives (a SQLite file or a database URL), the SQLite file's engine (WAL, pragmas), its errors in
words, the process check."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import DatabaseError as SADatabaseError

DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}
URL_HELP = "give a file path, sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/NAME"


class DatabaseError(Exception):
    """The database cannot be used; the message says what to do."""


class JobNotFound(DatabaseError, LookupError):
    pass


class LeaseHeld(DatabaseError):
    """Another live process is running this job."""


class LeaseLost(LeaseHeld):
    """This process held the job's lease, but its heartbeat stopped long enough for another to take the job."""


def pid_alive(pid: int) -> bool:
    """Whether a process of this host still runs (leases here; partial clones in agent.github.clones)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def database_url(target: str | Path) -> URL:
    """The record's database as a SQLAlchemy URL. A path is a SQLite file; `postgresql://` and `postgres://` mean
    psycopg, the Postgres driver sparkwright ships. The error never repeats the target: it may hold a password."""
    if isinstance(target, Path) or "://" not in target:
        return URL.create("sqlite", database=str(Path(target).expanduser()))
    try:
        url = make_url(target)
    except (ArgumentError, ValueError):
        raise DatabaseError(f"db is neither a file path nor a database URL: {URL_HELP}") from None
    if url.drivername not in DRIVERS:
        raise DatabaseError(f"db is a {url.drivername}:// URL, a database sparkwright cannot use: {URL_HELP}")
    if not url.database:
        raise DatabaseError(f"db URL {shown(url)} names no database: {URL_HELP}")
    return url.set(drivername=DRIVERS[url.drivername])


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def shown(url: URL) -> str:
    """The database as messages name it: the file, or the URL without its password."""
    return str(url.database) if is_sqlite(url) else url.render_as_string(hide_password=True)


def make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = "a file is in the way" if isinstance(exc, (FileExistsError, NotADirectoryError)) else exc.strerror
        raise DatabaseError(
            f"cannot make the directory {path.parent} for the database ({reason}): "
            "point --db (or home) at a path inside a directory"
        ) from None


def sqlite_engine(path: Path, busy_timeout: float) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": busy_timeout, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: sqlite3.Connection, _record: object) -> None:
        cursor = conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def explain(exc: SADatabaseError, path: Path) -> DatabaseError:
    message = str(exc.orig)
    if "locked" in message:
        return DatabaseError(f"the database {path} is locked by another process: wait for it to finish and retry")
    if "not a database" in message or "malformed" in message:
        return DatabaseError(
            f"{path} is corrupted or not a sparkwright database: move it aside or point --db elsewhere"
        )
    return DatabaseError(f"database error on {path}: {message}")
