"""The store's connection: one engine per store, short sessions, the database's clock. The row families
(`state.jobs`, `state.leases`, `state.plans`, `state.events`) build on it and `SqlStore` composes them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlalchemy.orm import Session, sessionmaker

from state.db import DatabaseError, database_url, explain, is_sqlite, make_parent, sqlite_engine
from state.migrations import ForeignDatabase, SchemaTooNew, migrate, refuse_foreign
from state.models import utcnow
from state.postgres import database_clock, explain_postgres, postgres_engine


class Connection:
    def __init__(self, target: str | Path, busy_timeout: float = 10.0) -> None:
        """`target`: a SQLite file's path, or a database URL (sqlite:///PATH, postgresql+psycopg://…)."""
        self.url = database_url(target)
        self.sqlite = is_sqlite(self.url)
        self.engine = self._sqlite_engine(busy_timeout) if self.sqlite else postgres_engine(self.url)
        try:
            migrate(self.engine)
        except SADatabaseError as exc:
            self.engine.dispose()
            raise self._explain(exc) from None
        except SchemaTooNew as exc:
            self.engine.dispose()
            raise DatabaseError(str(exc)) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _sqlite_engine(self, busy_timeout: float) -> Engine:
        path = Path(str(self.url.database))
        make_parent(path)
        try:
            refuse_foreign(path)
        except ForeignDatabase as exc:
            raise DatabaseError(str(exc)) from None
        return sqlite_engine(path, busy_timeout)

    def _explain(self, exc: SADatabaseError) -> DatabaseError:
        if self.sqlite:
            return explain(exc, Path(str(self.url.database)))
        return explain_postgres(str(exc.orig), self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as s:
            try:
                with s.begin():
                    yield s
            except SADatabaseError as exc:
                raise self._explain(exc) from None

    def clock(self, s: Session | None = None) -> datetime:
        """Now by the database's clock, naive UTC: the time leases are written in and judged by. SQLite runs in
        this process, so its clock is this host's."""
        if self.sqlite:
            return utcnow()
        if s is None:
            with self.session() as fresh:
                return self.clock(fresh)
        return s.execute(database_clock()).scalar_one()

    def _all(self, query: Any) -> Sequence[Any]:
        with self.session() as s:
            return s.scalars(query).all()
