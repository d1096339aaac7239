"""The record's database: WAL, schema migrations, and clear errors for a locked or corrupted file."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from state import DatabaseError, SqlStore, StepSpec, migrations


def test_database_is_in_wal_mode(tmp_path):
    with SqlStore(tmp_path / "s.db") as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_newer_sparkwright_migrates_an_older_database(tmp_path, monkeypatch):
    path = tmp_path / "s.db"
    with SqlStore(path) as store:
        store.create_job(
            id="j1",
            issue_text="x",
            repo_path="/r",
            base_commit="0",
            branch="b",
            worktree_path="/w",
            deep_model="d",
            fast_model="f",
        )

    def add_priority(conn):
        conn.execute(text("ALTER TABLE jobs ADD COLUMN priority INTEGER DEFAULT 0"))

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, add_priority])
    with SqlStore(path) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == len(migrations.MIGRATIONS)
        assert conn.execute(text("SELECT id, priority FROM jobs")).all() == [("j1", 0)]
        assert store.job("j1").issue_text == "x"


def test_a_database_from_a_newer_sparkwright_is_refused(tmp_path):
    path = tmp_path / "s.db"
    SqlStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version VALUES (99)")
    with pytest.raises(DatabaseError, match="newer than this sparkwright knows .* upgrade sparkwright"):
        SqlStore(path)


def test_a_corrupted_database_gets_a_one_line_error(tmp_path, cli):
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite" * 100)
    result = cli("jobs", "--db", path)
    assert result.exit_code == 2
    assert "corrupted or not a sparkwright database" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_locked_database_says_so(tmp_path):
    path = tmp_path / "s.db"
    with SqlStore(path) as store:
        store.create_job(
            id="j1",
            issue_text="x",
            repo_path="/r",
            base_commit="0",
            branch="b",
            worktree_path="/w",
            deep_model="d",
            fast_model="f",
        )
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with SqlStore(path, busy_timeout=0.2) as store, pytest.raises(DatabaseError, match="locked by another process"):
            store.save_plan("j1", "plan", [StepSpec("a", "do a", "true")], None)
    finally:
        locker.rollback()
        locker.close()


def test_plan_revisions_are_atomic_and_ordered(tmp_path):
    with SqlStore(tmp_path / "s.db") as store:
        store.create_job(
            id="j1",
            issue_text="x",
            repo_path="/r",
            base_commit="0",
            branch="b",
            worktree_path="/w",
            deep_model="d",
            fast_model="f",
        )
        first, second = store.save_plan(
            "j1", "plan", [StepSpec("a", "do a", "true"), StepSpec("b", "do b", "true")], None
        )
        store.revise_plan(
            "j1",
            "split",
            "smaller",
            [StepSpec("a1", "x", "true"), StepSpec("a2", "y", "true")],
            after=first.position,
            parent_id=first.id,
            retire=[first.id],
        )
        assert [(s.title, s.status) for s in store.steps("j1")] == [
            ("a", "superseded"),
            ("a1", "pending"),
            ("a2", "pending"),
            ("b", "pending"),
        ]
        assert [r.kind for r in store.revisions("j1")] == ["initial", "split"]
        assert store.next_step("j1").title == "a1"
