"""PostgreSQL and Redis for tests (marker `services`): scripts/services.sh starts them as root.

SPARKWRIGHT_TEST_POSTGRES is a URL of a role that may create databases; each test gets a fresh database, dropped
afterwards. SPARKWRIGHT_TEST_REDIS is the Redis the queue tests use. Where a service does not answer its tests
are skipped, unless SPARKWRIGHT_REQUIRE_SERVICES=1 (CI), which fails them.
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

POSTGRES = os.environ.get(
    "SPARKWRIGHT_TEST_POSTGRES", "postgresql+psycopg://sparkwright:sparkwright@127.0.0.1:5432/sparkwright"
)
REDIS = os.environ.get("SPARKWRIGHT_TEST_REDIS", "redis://127.0.0.1:6379/15")


def require_service(reason: str | None) -> None:
    if reason is None:
        return
    if os.environ.get("SPARKWRIGHT_REQUIRE_SERVICES") == "1":
        pytest.fail(f"SPARKWRIGHT_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@functools.cache
def postgres_unavailable() -> str | None:
    engine = create_engine(POSTGRES, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except OperationalError as exc:
        reason = " ".join(str(exc.orig).split())
        return f"PostgreSQL does not answer at {make_url(POSTGRES).render_as_string()}: {reason} (scripts/services.sh)"
    finally:
        engine.dispose()


@functools.cache
def redis_unavailable() -> str | None:
    url = make_url(REDIS)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 6379), timeout=3) as conn:
            conn.sendall(b"PING\r\n")
            if conn.recv(16).startswith(b"+PONG"):
                return None
    except OSError:
        pass
    return f"Redis does not answer at {REDIS} (scripts/services.sh)"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL of a fresh, empty database on the test server."""
    require_service(postgres_unavailable())
    name = f"sw_{secrets.token_hex(6)}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    finally:
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    require_service(redis_unavailable())
    return REDIS


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The record's database, once a SQLite file and once a fresh Postgres database."""
    if request.param == "sqlite":
        return str(tmp_path / "s.db")
    return request.getfixturevalue("postgres_url")
