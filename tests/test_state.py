"""The record's database, SQLite or Postgres: schema migrations, clear errors for a locked or corrupted file,
a wrong password or an unreachable server."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import String, make_url, text

from agent.record import EVENT_TYPES
from state import (
    AttemptStatus,
    DatabaseError,
    DecisionKind,
    Event,
    Job,
    JobStatus,
    Lease,
    PlanChange,
    RevisionKind,
    SqlStore,
    StepSpec,
    StepStatus,
    migrations,
)
from state.models import Base

JOB = {
    "issue_text": "x",
    "repo_path": "/r",
    "base_commit": "0",
    "branch": "b",
    "worktree_path": "/w",
    "deep_model": "d",
    "fast_model": "f",
}


def test_database_is_in_wal_mode(tmp_path):
    with SqlStore(tmp_path / "s.db") as store, store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_newer_sparkwright_migrates_an_older_database(database, monkeypatch):
    with SqlStore(database) as store:
        store.create_job(id="j1", **JOB)

    def add_priority(conn):
        conn.execute(text("ALTER TABLE jobs ADD COLUMN priority INTEGER DEFAULT 0"))

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, add_priority])
    with SqlStore(database) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == len(migrations.MIGRATIONS)
        assert conn.execute(text("SELECT id, priority FROM jobs")).all() == [("j1", 0)]
        assert store.job("j1").issue_text == "x"


def test_a_database_from_a_newer_sparkwright_is_refused(database):
    with SqlStore(database) as store, store.engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (99)"))
    with pytest.raises(DatabaseError, match="newer than this sparkwright knows .* upgrade sparkwright"):
        SqlStore(database)


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
        store.create_job(id="j1", **JOB)
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with SqlStore(path, busy_timeout=0.2) as store, pytest.raises(DatabaseError, match="locked by another process"):
            store.save_plan("j1", "plan", [StepSpec("a", "do a", "true")], None)
    finally:
        locker.rollback()
        locker.close()


def test_plan_revisions_are_atomic_and_ordered(database):
    with SqlStore(database) as store:
        store.create_job(id="j1", **JOB)
        first, second = store.save_plan(
            "j1", "plan", [StepSpec("a", "do a", "true"), StepSpec("b", "do b", "true")], None
        )
        store.revise_plan(
            "j1",
            PlanChange(
                RevisionKind.SPLIT,
                "smaller",
                [StepSpec("a1", "x", "true"), StepSpec("a2", "y", "true")],
                after=first.position,
                parent_id=first.id,
                retire=[first.id],
            ),
        )
        assert [(s.title, s.status) for s in store.steps("j1")] == [
            ("a", "superseded"),
            ("a1", "pending"),
            ("a2", "pending"),
            ("b", "pending"),
        ]
        assert [r.kind for r in store.revisions("j1")] == ["initial", "split"]
        assert store.next_step("j1").title == "a1"


def test_a_database_of_schema_v1_gains_the_queues_tables_and_columns(database):
    with SqlStore(database) as store, store.engine.begin() as conn:
        store.create_job(id="old", **JOB)
        # Back to v1 as an older sparkwright left it: no lease history, no branch bundles, no queue columns.
        conn.execute(text("DROP TABLE leases"))
        conn.execute(text("DROP TABLE job_branches"))
        conn.execute(text("ALTER TABLE jobs DROP COLUMN repo_url"))
        conn.execute(text("ALTER TABLE jobs DROP COLUMN queued_at"))
        conn.execute(text("ALTER TABLE jobs DROP COLUMN stop_requested_at"))
        conn.execute(text("DELETE FROM schema_version WHERE version > 1"))

    with SqlStore(database) as store:
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT max(version) FROM schema_version")).scalar() == 2
        store.update_job("old", repo_url="https://example.com/r.git", queued_at=store.clock())
        store.request_stop("old")
        store.acquire_lease("old", "elsewhere:1")
        store.save_branch("old", "abc", b"bundle", "elsewhere:1")
        job = store.job("old")
        assert (job.issue_text, job.repo_url) == ("x", "https://example.com/r.git") and store.stop_requested("old")
        assert [lease.owner for lease in store.leases("old")] == ["elsewhere:1"]
        assert store.branch_bundle("old").bundle == b"bundle"


def test_processes_opening_a_new_postgres_database_at_once_all_get_the_schema(postgres_url):
    start, failures = threading.Barrier(4), []

    def open_store() -> None:
        start.wait()
        try:
            SqlStore(postgres_url).close()
        except Exception as exc:  # noqa: BLE001 (any failure is the finding)
            failures.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with SqlStore(postgres_url) as store, store.engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_version ORDER BY version")).scalars().all() == [1, 2]


def test_every_name_the_record_writes_fits_its_column():
    """Postgres enforces VARCHAR lengths, SQLite does not: a longer event kind or status would fail jobs there."""
    written = {
        Event.__table__.c.kind: EVENT_TYPES,
        Job.__table__.c.status: [s.value for s in JobStatus],
        Base.metadata.tables["steps"].c.status: [s.value for s in StepStatus],
        Base.metadata.tables["attempts"].c.status: [s.value for s in AttemptStatus],
        Base.metadata.tables["plan_revisions"].c.kind: [k.value for k in RevisionKind],
        Base.metadata.tables["failure_reports"].c.decision: [d.value for d in DecisionKind],
        Lease.__table__.c.ended: ["released", "taken over"],
    }
    for column, names in written.items():
        assert isinstance(column.type, String)
        assert [n for n in names if len(n) > column.type.length] == [], column


def test_a_nul_character_in_untrusted_text_does_not_break_the_record(database):
    with SqlStore(database) as store:
        store.create_job(id="j1", **{**JOB, "issue_text": "see\x00here"})
        (step,) = store.save_plan("j1", "plan", [StepSpec("a", "do a", "true")], None)
        store.update_step(step.id, check_output="binary\x00output")
        store.add_event("j1", "tool_call", {"output": "more\x00bytes"})
        # Postgres text cannot hold NUL: the record keeps U+FFFD in its place; SQLite keeps the NUL.
        nul = "\x00" if store.sqlite else "\ufffd"
        assert store.job("j1").issue_text == f"see{nul}here"
        assert store.step(step.id).check_output == f"binary{nul}output"
        assert store.events("j1")[0].payload == {"output": "more\x00bytes"}


def test_a_wrong_password_is_one_line_that_never_shows_the_password(postgres_url, cli):
    wrong = make_url(postgres_url).set(password="hunter2-wrong").render_as_string(hide_password=False)
    result = cli("jobs", "--db", wrong)
    assert result.exit_code == 2
    assert "hunter2" not in result.output + result.stderr
    assert f"cannot sign in to {make_url(wrong).render_as_string(hide_password=True)}: " in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("db", "said"),
    [
        (
            "postgresql://me:hunter2@127.0.0.1:1/record",
            "cannot reach the database server of postgresql+psycopg://me:***@",
        ),
        ("mysql://me:hunter2@127.0.0.1/record", "db is a mysql:// URL, a database sparkwright cannot use"),
        ("postgresql://me:hunter2@127.0.0.1:port/record", "db is neither a file path nor a database URL"),
    ],
)
def test_a_database_url_that_cannot_work_is_one_line_that_never_shows_the_password(db, said, cli):
    result = cli("jobs", "--db", db)
    assert result.exit_code == 2
    assert said in result.stderr and "hunter2" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
