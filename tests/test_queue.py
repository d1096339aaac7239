"""The job queue end to end: `submit` from anywhere, real `sparkwright worker` processes on real Redis, a
worker killed mid-job, and the lease that keeps a job in one place."""

from __future__ import annotations

import time

from tests.conftest import git
from tests.queue_fixtures import (  # noqa: F401 (fixtures)
    STEP_TITLES,
    note_scripts,
    origin,
    redis_url,
    wait_until_finished,
    workers,
)

ISSUE = "Add notes A, B and C."


def submit(cli, origin, broker, deep, fast, count=1, *extra):
    ids = []
    for _ in range(count):
        result = cli(
            "submit",
            "--repo-url",
            origin,
            "--issue",
            ISSUE,
            "--deep-model",
            deep,
            "--fast-model",
            fast,
            "--broker-url",
            broker,
            "--push",
            *extra,
        )
        assert result.exit_code == 0, result.stderr
        ids += result.stdout.split()
    return ids


def branch_story(origin, job):
    """What a reviewer sees of the job's branch on origin: its commit subjects, oldest first, and its files."""
    subjects = git(origin, "log", "--reverse", "--format=%s", f"{job.base_commit}..{job.branch}").splitlines()
    return subjects, git(origin, "ls-tree", "-r", "--name-only", job.branch)


def test_submitted_jobs_run_on_workers_and_their_branches_reach_origin(cli, store, origin, workers, tmp_path):
    deep, fast = note_scripts(tmp_path, delay=0.0)
    ids = submit(cli, origin, workers.broker, deep, fast, 2)
    assert [store.job(i).status for i in ids] == ["queued", "queued"]
    workers.start("a")
    wait_until_finished(store, ids, workers)
    for job_id in ids:
        job = store.job(job_id)
        assert job.status == "succeeded", job.outcome_reason
        subjects, files = branch_story(origin, job)
        assert subjects == STEP_TITLES
        assert {"A.md", "B.md", "C.md"} <= set(files.splitlines())
        assert [lease.ended for lease in store.leases(job_id)] == ["released"]


def test_a_killed_workers_job_finishes_on_the_other_with_the_branch_it_would_have_had(
    cli, store, origin, workers, tmp_path
):
    deep, fast = note_scripts(tmp_path, delay=1.0)
    ids = submit(cli, origin, workers.broker, deep, fast, 4)
    workers.start("a")
    workers.start("b")
    victim, done_before = wait_for_progress_on(store, ids, workers, "a")
    owner = store.job(victim).lease_owner
    workers.kill("a")

    wait_until_finished(store, ids, workers)
    assert {store.job(i).status for i in ids} == {"succeeded"}
    leases = store.leases(victim)
    assert (leases[0].owner, leases[0].ended) == (owner, "taken over")
    assert leases[-1].owner != owner and leases[-1].ended == "released"
    for job_id in ids:  # never in two places at once
        held = store.leases(job_id)
        assert all(later.acquired_at >= earlier.released_at for earlier, later in zip(held, held[1:], strict=False))
    # The same branch as an uninterrupted job's: one commit per step, the same files, and the step committed
    # before the kill kept its commit (finished work is not redone).
    stories = {job_id: branch_story(origin, store.job(job_id)) for job_id in ids}
    assert all(story == (STEP_TITLES, stories[victim][1]) for story in stories.values())
    trees = {git(origin, "rev-parse", f"{store.job(i).branch}^{{tree}}") for i in ids}
    assert len(trees) == 1
    first_step = store.steps(victim)[0]
    assert first_step.commit_sha == done_before
    assert done_before in git(origin, "rev-list", store.job(victim).branch).split()


def wait_for_progress_on(store, ids, workers, name, timeout=120):
    """A job worker `name` runs that has committed a step but not all of them: (its id, its first commit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for job_id in ids:
            job = store.job(job_id)
            done = [s for s in store.steps(job_id) if s.status == "done"]
            if workers.runs(name, job.lease_owner) and 0 < len(done) < len(STEP_TITLES):
                return job_id, done[0].commit_sha
        time.sleep(0.2)
    raise AssertionError(f"worker {name} made no progress on any job in {timeout} s\n{workers.logs()}")
