"""The SQLite file under the store: its engine (WAL, pragmas), its errors in words, the process check."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError as SADatabaseError


class DatabaseError(Exception):
    """The database cannot be used; the message says what to do."""


class JobNotFound(DatabaseError, LookupError):
    pass


class LeaseHeld(DatabaseError):
    """Another live process is running this job."""


def pid_alive(pid: int) -> bool:
    """Whether a process of this host still runs (leases here; partial clones in agent.github.clones)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
