"""Attack 8: commands aimed at a job that is running in another process. `resume`, `revise` and `push` of a
live job must refuse without touching its sandbox: its container keeps running, the command running in it
is not killed, and the job then finishes as if nothing had happened.

The job's worker waits, inside its command, for a file the test creates: the job is held mid-command, in
its container, for exactly as long as the test needs."""

from __future__ import annotations

import time

import pytest

from sandbox.container import connect, job_containers
from tests.conftest import git
from tests.scripting import tc
from tests.security.hostile import reap_containers

pytestmark = pytest.mark.docker

WAIT_FOR_GO = "touch WAITING && while [ ! -e GO ]; do sleep 0.1; done; rm -f WAITING GO"


def containers(job_id: str) -> list[tuple[str, str]]:
    client = connect(timeout=30)
    try:
        return [(c.id, c.status) for c in job_containers(client, job_id)]
    finally:
        client.close()


def wait_until(condition, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def test_resume_revise_and_push_leave_a_running_job_alone(docker_attack, tmp_path):
    attack = docker_attack
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(attack.repo, "remote", "add", "origin", str(remote))  # so that only the job's state can stop a push
    attack.rebaseline()
    problems: list[str] = []
    live = attack.start(*attack.run_args(*attack.scripts(worker=[tc("run", command=WAIT_FOR_GO)])))
    try:
        wait_until(lambda: _has_job(attack), "the job to be created")
        job_id = attack.job_id()
        wait_until(lambda: (attack.worktree() / "WAITING").exists(), "the worker's command to start")
        (container,) = containers(job_id)
        assert container[1] == "running"

        for command in (["push", job_id], ["revise", job_id, "do more"], ["resume", job_id]):
            refused = attack.cli(*command)
            if refused.code in (0, None):
                problems.append(f"`{command[0]}` of a running job was not refused")
            if containers(job_id) != [container]:
                problems.append(f"`{command[0]}` removed or replaced the running job's container")
                break
    finally:
        if _has_job(attack) and attack.worktree().is_dir():
            (attack.worktree() / "GO").touch()  # let the job go on
        finished = live.wait()
        if finished.timed_out:
            reap_containers(attack.home)
    attack.outcomes.append(finished)
    assert not problems, problems
    assert finished.code == 0, finished.stderr
    assert attack.job_row().status == "succeeded"
    assert not (attack.worktree() / "WAITING").exists(), "the job's waiting command was killed while it ran"
    assert git(remote, "branch", "--list") == "", "the push of a running job pushed"
    attack.assert_contained()


def _has_job(attack) -> bool:
    try:
        attack.job_id()
    except Exception:  # no DB yet, or no job row yet
        return False
    return True
