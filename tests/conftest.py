"""Shared fixtures: a real git repo with a real failing test, an isolated sparkwright home, the CLI, the record's
databases (tests/services.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from state import SqlStore
from tests.services import database, postgres_url, redis_url  # noqa: F401 (fixtures)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "shopcart"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def make_repo(dest: Path, source: Path = EXAMPLE) -> Path:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "ISSUE.md"))
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "initial")
    return dest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test taking a service's fixture is a `services` test, so `-m "not services"` leaves it out."""
    for item in items:
        if {"postgres_url", "redis_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "shopcart")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own sparkwright home and DB; no user config leaks in."""
    home = tmp_path / "sparkwright-home"
    monkeypatch.setenv("SPARKWRIGHT_HOME", str(home))
    monkeypatch.setenv("SPARKWRIGHT_SANDBOX", "local")
    # Most tests script the planner's plan; quick mode's own tests ask for auto or quick.
    monkeypatch.setenv("SPARKWRIGHT_MODE", "planned")
    # The checks run pytest on the example repo; this machine's many pytest plugins cost 2 s a run.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("SPARKWRIGHT_SANDBOX_ENV", '["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]')
    for name in ("SPARKWRIGHT_DEEP_MODEL", "SPARKWRIGHT_FAST_MODEL", "SPARKWRIGHT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    # Whatever model server runs on this machine's usual ports is no business of the tests.
    monkeypatch.setenv("SPARKWRIGHT_LOCAL_SERVERS", "[]")
    return home


@pytest.fixture
def store(home: Path):
    with SqlStore(home / "sparkwright.db") as s:
        yield s


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return invoke
