"""The job queue end to end: `submit` from anywhere, real `sparkwright worker` processes on real Redis, a
worker killed mid-job, and the lease that keeps a job in one place."""

from __future__ import annotations

import json
import shutil
import socket
import time

import httpx
import pytest
import redis

from agent.config import load_settings
from agent.queue.app import enqueue, make_app
from tests.conftest import git
from tests.github_fake import FakeGitHub
from tests.queue_fixtures import (  # noqa: F401 (fixtures)
    STEP_TITLES,
    note_scripts,
    origin,
    record,
    wait_until_finished,
    workers,
)
from tests.sandbox_fixtures import image_under_test, require_docker
from tests.scripting import PLANNER, finish_review, note_step, plan, tc, write_note, write_script
from tests.web_fixtures import Server

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


def test_submitted_jobs_run_on_workers_and_their_branches_reach_origin(cli, record, origin, workers, tmp_path):
    deep, fast = note_scripts(tmp_path, delay=0.0)
    ids = submit(cli, origin, workers.broker, deep, fast, 2)
    assert [record.job(i).status for i in ids] == ["queued", "queued"]
    workers.start("a")
    wait_until_finished(record, ids, workers)
    for job_id in ids:
        job = record.job(job_id)
        assert job.status == "succeeded", job.outcome_reason
        subjects, files = branch_story(origin, job)
        assert subjects == STEP_TITLES
        assert {"A.md", "B.md", "C.md"} <= set(files.splitlines())
        assert [lease.ended for lease in record.leases(job_id)] == ["released"]
    listed = json.loads(cli("jobs", "--json").stdout)
    assert {row["host"] for row in listed} == {socket.gethostname()}
    shown = json.loads(cli("show", ids[0], "--json").stdout)
    assert [(run["host"], run["ended"]) for run in shown["runs"]] == [(socket.gethostname(), "released")]
    # Reviewed from a machine that did not run it, the worker's host gone: the branch comes from the record.
    workers.stop_all()
    shutil.rmtree(tmp_path / "host-a")
    review = cli("review", ids[0], "--format", "json")
    assert review.exit_code == 0, review.stderr
    commits = [step["commit"] for step in json.loads(review.stdout)["steps"]]
    first = record.job(ids[0])
    assert commits == git(origin, "rev-list", "--reverse", f"{first.base_commit}..{first.branch}").split()
    assert "+note A" in json.dumps(json.loads(review.stdout))
    server = Server(tmp_path)
    try:
        page = httpx.get(f"{server.url}/jobs/{first.id}/review", timeout=30)
    finally:
        server.stop()
    assert page.status_code == 200 and all(sha[:7] in page.text for sha in commits) and "note A" in page.text


def test_a_killed_workers_job_finishes_on_the_other_with_the_branch_it_would_have_had(
    cli, record, origin, workers, tmp_path
):
    deep, fast = note_scripts(tmp_path, delay=1.0)
    ids = submit(cli, origin, workers.broker, deep, fast, 4)
    workers.start("a")
    workers.start("b")
    victim, done_before = wait_for_progress_on(record, ids, workers, "a")
    owner = record.job(victim).lease_owner
    workers.kill("a")

    wait_until_finished(record, ids, workers)
    assert {record.job(i).status for i in ids} == {"succeeded"}
    leases = record.leases(victim)
    assert (leases[0].owner, leases[0].ended) == (owner, "taken over")
    assert leases[-1].owner != owner and leases[-1].ended == "released"
    for job_id in ids:  # never in two places at once
        held = record.leases(job_id)
        assert all(later.acquired_at >= earlier.released_at for earlier, later in zip(held, held[1:], strict=False))
    # The same branch as an uninterrupted job's: one commit per step, the same files, and the step committed
    # before the kill kept its commit (finished work is not redone).
    stories = {job_id: branch_story(origin, record.job(job_id)) for job_id in ids}
    assert all(story == (STEP_TITLES, stories[victim][1]) for story in stories.values())
    trees = {git(origin, "rev-parse", f"{record.job(i).branch}^{{tree}}") for i in ids}
    assert len(trees) == 1
    first_step = record.steps(victim)[0]
    assert first_step.commit_sha == done_before
    assert done_before in git(origin, "rev-list", record.job(victim).branch).split()


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


def test_branches_go_to_the_results_remote_when_one_is_given(cli, store, origin, workers, tmp_path):
    results = tmp_path / "results.git"
    git(tmp_path, "init", "-q", "--bare", str(results))
    deep, fast = note_scripts(tmp_path, delay=0.0)
    [job_id] = submit(cli, origin, workers.broker, deep, fast, 1, "--results-remote", results)
    workers.start("a")
    wait_until_finished(store, [job_id], workers)
    job = store.job(job_id)
    assert job.status == "succeeded", job.outcome_reason
    assert branch_story(results, job)[0] == STEP_TITLES
    assert job.branch not in git(origin, "branch", "--list")


def test_a_second_delivery_of_a_running_job_lets_go_and_the_job_runs_once(cli, store, origin, workers, tmp_path):
    deep, fast = note_scripts(tmp_path, delay=1.0)
    [job_id] = submit(cli, origin, workers.broker, deep, fast)
    workers.start("a")
    wait_for_progress_on(store, [job_id], workers, "a")
    workers.start("b")
    enqueue(make_app(load_settings(broker_url=workers.broker)), job_id)  # the broker delivers it again

    wait_until_finished(store, [job_id], workers)
    assert store.job(job_id).status == "succeeded"
    assert [lease.ended for lease in store.leases(job_id)] == ["released"]
    assert "it runs in another worker" in (tmp_path / "worker-b.log").read_text()
    assert branch_story(origin, store.job(job_id))[0] == STEP_TITLES


def test_stop_reaches_a_job_on_another_host_and_resume_puts_it_back_on_the_queue(cli, store, origin, workers, tmp_path):
    deep, fast = note_scripts(tmp_path, delay=1.0)
    [job_id] = submit(cli, origin, workers.broker, deep, fast)
    workers.start("a")
    _, first_commit = wait_for_progress_on(store, [job_id], workers, "a")

    assert cli("stop", job_id).exit_code == 0
    deadline = time.monotonic() + 60
    while store.effective_status(store.job(job_id)).value != "interrupted" and time.monotonic() < deadline:
        time.sleep(0.3)
    job = store.job(job_id)
    assert job.status == "interrupted" and "stopped by the user" in (job.outcome_reason or "")
    assert not store.job(job_id).lease_owner  # the worker let go of it, and is free for other jobs

    result = cli("resume", job_id, "--broker-url", workers.broker)
    assert result.exit_code == 0 and "queued to resume" in result.stderr
    wait_until_finished(store, [job_id], workers)
    assert store.job(job_id).status == "succeeded"
    assert branch_story(origin, store.job(job_id))[0] == STEP_TITLES
    assert store.steps(job_id)[0].commit_sha == first_commit


def test_a_batch_of_issue_urls_from_a_file_is_queued_at_once(cli, store, origin, redis_url, tmp_path, monkeypatch):
    with FakeGitHub() as github:
        github.add_repo("acme", "shopcart", clone_url=str(origin))
        github.add_issue("acme", "shopcart", 7, title="Cart total ignores quantities", body="Two mugs cost one.")
        github.add_issue("acme", "shopcart", 8, title="Empty cart crashes", body="Total of nothing fails.")
        monkeypatch.setenv("SPARKWRIGHT_GITHUB_API", github.api_base)
        batch = tmp_path / "backlog.txt"
        urls = [f"https://github.com/acme/shopcart/issues/{n}" for n in (7, 8)]
        batch.write_text(f"# this week's backlog\n{urls[0]}\n\n{urls[1]}\n")
        result = cli(
            "submit",
            "--from-file",
            batch,
            "--deep-model",
            "openai:x",
            "--fast-model",
            "openai:y",
            "--broker-url",
            redis_url,
        )
    assert result.exit_code == 0, result.stderr
    ids = result.stdout.split()
    jobs = [store.job(i) for i in ids]
    assert [(j.status, j.issue_url, j.repo_url) for j in jobs] == [("queued", u, str(origin)) for u in urls]
    assert [j.branch for j in jobs] == [
        "sparkwright/issue-7-cart-total-ignores-quantities",
        "sparkwright/issue-8-empty-cart-crashes",
    ]
    assert {j.base_commit for j in jobs} == {git(origin, "rev-parse", "main")}
    assert redis.Redis.from_url(redis_url).llen("sparkwright") == 2


def test_a_submit_that_cannot_be_queued_records_nothing(cli, store, origin, redis_url, tmp_path, monkeypatch):
    models = ("--deep-model", "openai:x", "--fast-model", "openai:y")
    cases = [
        (("--repo-url", origin, "--issue", "x", "--broker-url", "redis://127.0.0.1:1/0"), "cannot reach the broker"),
        (("--repo-url", tmp_path / "no" / "such.git", "--issue", "x", "--broker-url", redis_url), "cannot read"),
        (("--repo-url", origin, "--broker-url", redis_url), "the issue is empty"),
        (("--issue", "x", "--broker-url", redis_url), "--issue/--issue-file need --repo-url"),
        (("--repo-url", origin, "--issue", "x"), "no broker"),
    ]
    for args, message in cases:
        result = cli("submit", *args, *models)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    monkeypatch.setenv("SPARKWRIGHT_APPROVE_PLAN", "true")  # nobody would be there to approve
    result = cli("submit", "--repo-url", origin, "--issue", "x", "--broker-url", redis_url, *models)
    assert result.exit_code == 2 and "submitted jobs run unattended" in result.stderr
    assert store.jobs() == []


@pytest.mark.docker
def test_a_worker_runs_its_jobs_in_its_own_docker_sandbox(cli, store, origin, workers, tmp_path):
    require_docker()
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(note_step("Add a note"), test_command="true")]), finish_review()],
    )
    fast = write_script(
        tmp_path / "fast.json",
        [("Your step", [tc("run", command="echo uid=$(id -u)"), write_note(), tc("finish", summary="noted")])],
    )
    [job_id] = submit(cli, origin, workers.broker, deep, fast)  # submitted with the local sandbox (conftest)
    workers.start("a", env={"SPARKWRIGHT_SANDBOX": "docker", "SPARKWRIGHT_DOCKER_IMAGE": image_under_test()})
    wait_until_finished(store, [job_id], workers)
    assert store.job(job_id).status == "succeeded", store.job(job_id).outcome_reason
    (probe,) = [e.payload["output"] for e in store.events(job_id, kinds=["tool_call"]) if e.payload["tool"] == "run"]
    assert "uid=" in probe and "uid=0" not in probe  # inside the worker's container, not as root on the host
    assert branch_story(origin, store.job(job_id))[0] == ["Add a note"]
