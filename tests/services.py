"""PostgreSQL and Redis for tests (marker `services`): scripts/services.sh starts them as root.

SPARKWRIGHT_TEST_POSTGRES is a URL of a role that may create databases; each test gets a fresh database, dropped
afterwards. SPARKWRIGHT_TEST_REDIS is the Redis database the queue tests use, emptied for each. A test taking
either fixture is marked `services` (tests/conftest.py); where a service does not answer its tests are skipped,
unless SPARKWRIGHT_REQUIRE_SERVICES=1 (CI), which fails them.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
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
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis does not answer at {REDIS}: {exc} (scripts/services.sh)"
    return None


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
    """The test Redis database, emptied: no queue left over from an earlier test."""
    require_service(redis_unavailable())
    redis.Redis.from_url(REDIS).flushdb()
    return REDIS


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.services)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The record's database, once a SQLite file and once a fresh Postgres database."""
    if request.param == "sqlite":
        return str(tmp_path / "s.db")
    return request.getfixturevalue("postgres_url")
