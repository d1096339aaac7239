"""A job whose record and checkpoints live in Postgres: run by the real CLI to the same result as on SQLite,
and resumed after a crash from the checkpoints Postgres kept."""

from __future__ import annotations

import signal

from sqlalchemy import create_engine, text

from state import SqlStore
from tests.test_crash_resume import baseline, outcome, sparkwright, start  # noqa: F401 (fixture)


def checkpoints(database: str, thread: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM checkpoints WHERE thread_id = :t"), {"t": thread}).scalar()
    finally:
        engine.dispose()


def test_a_job_on_postgres_gets_the_result_it_gets_on_sqlite(postgres_url, baseline, tmp_path):
    repo, home, result = start(tmp_path, db=postgres_url)

    assert result.returncode == 0, result.stderr[-3000:]
    assert outcome(repo, home, postgres_url) == baseline
    with SqlStore(postgres_url) as store:
        (job,) = store.jobs()
        assert [lease.ended for lease in store.leases(job.id)] == ["released"]
    assert checkpoints(postgres_url, job.id) > 0
    assert not list(home.glob("sparkwright.db*")), "nothing of the job went to a SQLite file"


def test_a_job_killed_on_postgres_resumes_from_its_checkpoints(postgres_url, baseline, tmp_path):
    repo, home, killed = start(tmp_path, fault="step.after_commit", db=postgres_url)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    with SqlStore(postgres_url) as store:
        (job,) = store.jobs()
        assert store.effective_status(job) == "interrupted"

    resumed = sparkwright(home, "resume", job.id, "--db", postgres_url)

    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert outcome(repo, home, postgres_url) == baseline
    with SqlStore(postgres_url) as store:
        assert [lease.ended for lease in store.leases(job.id)] == ["taken over", "released"]
