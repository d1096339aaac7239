"""The lease: one process runs a job at a time, on SQLite and on Postgres, judged by the database's clock."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest

from state import LeaseHeld, LeaseLost, SqlStore
from state.leases import LEASE_STALE_AFTER
from tests.queue_fixtures import ROOT, note_scripts
from tests.test_state import JOB

STOPPED = LEASE_STALE_AFTER + timedelta(seconds=1)


def new_job(store: SqlStore, job_id: str, **fields) -> str:
    store.create_job(id=job_id, **{**JOB, **fields})
    return job_id


def holdings(store: SqlStore, job_id: str) -> list[tuple[str, str | None]]:
    return [(lease.owner, lease.ended) for lease in store.leases(job_id)]


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_held_lease_refuses_others_until_released(database):
    with SqlStore(database) as store:
        job = new_job(store, "j1", status="running")
        store.acquire_lease(job, "host-a:1")
        with pytest.raises(LeaseHeld, match="running in another process \\(host-a:1\\)"):
            store.acquire_lease(job, "host-b:2")
        assert store.heartbeat(job, "host-a:1") and not store.heartbeat(job, "host-b:2")
        assert store.effective_status(store.job(job)) == "running"

        store.release_lease(job, "host-a:1")
        assert store.effective_status(store.job(job)) == "interrupted"
        store.acquire_lease(job, "host-b:2")
        assert holdings(store, job) == [("host-a:1", "released"), ("host-b:2", None)]


def test_a_lease_whose_heartbeat_stopped_is_taken_over(database):
    with SqlStore(database) as store:
        job = new_job(store, "j1", status="running")
        store.acquire_lease(job, "host-a:1")
        store.update_job(job, heartbeat_at=store.clock() - STOPPED)
        assert store.effective_status(store.job(job)) == "interrupted"

        store.acquire_lease(job, "host-b:2")
        assert holdings(store, job) == [("host-a:1", "taken over"), ("host-b:2", None)]
        assert not store.heartbeat(job, "host-a:1"), "the old owner learns it lost the job"


def test_a_process_that_lost_its_lease_cannot_put_its_branch_over_the_new_holders(database):
    with SqlStore(database) as store:
        job = new_job(store, "j1", status="running")
        store.acquire_lease(job, "host-a:1")
        store.save_branch(job, "a1", b"a's branch", "host-a:1")
        store.update_job(job, heartbeat_at=store.clock() - STOPPED)
        store.acquire_lease(job, "host-b:2")
        store.save_branch(job, "b1", b"b's branch", "host-b:2")

        with pytest.raises(LeaseLost, match="taken over by another process"):
            store.save_branch(job, "a2", b"a's later branch", "host-a:1")
        assert (store.branch_bundle(job).head, store.branch_bundle(job).bundle) == ("b1", b"b's branch")


def test_a_dead_process_on_this_host_ends_its_lease_at_once(database):
    with SqlStore(database) as store:
        job = new_job(store, "j1", status="running")
        store.acquire_lease(job, f"{socket.gethostname()}:{dead_pid()}")
        assert store.effective_status(store.job(job)) == "interrupted"
        store.acquire_lease(job, "host-b:2")


def test_stale_jobs_are_queued_jobs_taken_by_a_worker_whose_lease_is_not_live(database):
    with SqlStore(database) as store:
        now = store.clock()

        def queued(job_id: str, status: str, owner: str | None = None) -> str:
            """A submitted job, queued one second after the one before."""
            new_job(store, job_id, status=status, queued_at=now + timedelta(seconds=len(store.jobs())))
            if owner:
                store.acquire_lease(job_id, owner)
            return job_id

        dead = f"{socket.gethostname()}:{dead_pid()}"
        queued("live", "running", "host-a:1")
        stopped = queued("stopped", "running", "host-b:2")
        store.update_job(stopped, heartbeat_at=now - STOPPED)
        crashed = queued("crashed", "planning", dead)
        orphan = queued("orphan", "running")
        setting_up = queued("setting-up", "queued", dead)  # its worker died before the job started
        queued("waiting", "queued")
        queued("finished", "succeeded")
        new_job(store, "local", status="running")  # `run` on a laptop: never the queue's to resume

        assert [job.id for job in store.stale_jobs()] == [stopped, crashed, orphan, setting_up]


def test_the_sweep_queues_a_stale_job_again_once_until_a_worker_takes_it_or_the_message_looks_lost(database):
    resend = timedelta(minutes=10)
    with SqlStore(database) as store:
        job = new_job(store, "j1", status="running", queued_at=store.clock() - timedelta(minutes=1))
        store.acquire_lease(job, f"{socket.gethostname()}:{dead_pid()}")  # taken, then its worker died
        assert store.requeue(store.job(job), resend)
        assert not store.requeue(store.job(job), resend), "queued again already: the next sweeps wait"
        store.update_job(job, queued_at=store.clock() - resend)
        assert store.requeue(store.job(job), resend), "no worker took it for long: the message may be lost"

        store.acquire_lease(job, f"{socket.gethostname()}:{dead_pid()}")  # taken again, and died again
        assert store.requeue(store.job(job), resend)
        seen = store.job(job)
        store.update_job(job, queued_at=store.clock() - resend)
        assert store.requeue(store.job(job), resend) and not store.requeue(seen, resend), "two sweeps: one sends"


def race(store: SqlStore, job: str, owners: list[str]) -> tuple[list[str], list[str]]:
    """Each owner acquires the job's lease in a thread of its own, all at once: (who won, who lost)."""
    start, won, lost = threading.Barrier(len(owners)), [], []

    def take(owner: str) -> None:
        start.wait()
        try:
            store.acquire_lease(job, owner)
            won.append(owner)
        except LeaseHeld:
            lost.append(owner)

    racers = [threading.Thread(target=take, args=(owner,)) for owner in owners]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    return won, lost


def test_of_workers_racing_for_a_stopped_job_exactly_one_takes_it(postgres_url):
    with SqlStore(postgres_url) as store:
        for round_ in range(5):
            job = new_job(store, f"j{round_}", status="running")
            store.acquire_lease(job, "gone:1")
            store.update_job(job, heartbeat_at=store.clock() - STOPPED)

            won, lost = race(store, job, ["host-a:1", "host-b:2"])

            assert len(won) == len(lost) == 1
            assert holdings(store, job) == [("gone:1", "taken over"), (won[0], None)]
            assert store.job(job).lease_owner == won[0]


def set_host_clock(monkeypatch, offset: timedelta) -> None:
    """This host's clock `offset` off, wherever the store reads it."""
    import state.connection
    import state.events
    import state.jobs
    import state.leases
    import state.plans
    from state.models import utcnow as real

    for module in (state.connection, state.events, state.jobs, state.leases, state.plans):
        monkeypatch.setattr(module, "utcnow", lambda: real() + offset, raising=False)


def test_a_hosts_wrong_clock_neither_stretches_nor_cuts_a_lease(postgres_url, monkeypatch):
    with SqlStore(postgres_url) as store:
        job = new_job(store, "j1", status="running")
        set_host_clock(monkeypatch, timedelta(hours=1))
        store.acquire_lease(job, "fast-clock:1")
        assert abs(store.job(job).heartbeat_at - store.clock()) < timedelta(seconds=5)

        store.update_job(job, heartbeat_at=store.clock() - STOPPED)
        set_host_clock(monkeypatch, -timedelta(hours=1))
        assert store.effective_status(store.job(job)) == "interrupted"
        assert [j.id for j in store.stale_jobs()] == []  # not queued
        store.acquire_lease(job, "slow-clock:2")


def test_a_running_job_that_lost_its_lease_stops_and_leaves_the_record_to_the_new_holder(repo, home, tmp_path):
    deep, fast = note_scripts(tmp_path, delay=1.0)
    argv = [sys.executable, "-m", "agent", "run", "--repo", str(repo), "--issue", "notes", "--json"]
    proc = subprocess.Popen(
        [*argv, "--deep-model", deep, "--fast-model", fast], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    with SqlStore(home / "sparkwright.db") as store:
        deadline = time.monotonic() + 60
        while not (store.jobs() and store.job(store.jobs()[0].id).lease_owner) and time.monotonic() < deadline:
            time.sleep(0.2)
        job = store.jobs()[0]
        # Its heartbeat stalled long enough (a frozen host, a database away) for another worker to take it.
        store.update_job(job.id, heartbeat_at=store.clock() - STOPPED)
        store.acquire_lease(job.id, "elsewhere:1")

        proc.wait(timeout=60)
        after = store.job(job.id)
        # It stopped at its next heartbeat, before finishing, and wrote no end of its own over the new holder's.
        assert after.lease_owner == "elsewhere:1" and after.status in ("planning", "running")
        assert not {"job_interrupted", "job_finished"} & {e.kind for e in store.events(job.id)}
        assert holdings(store, job.id)[-1] == ("elsewhere:1", None)
