"""Attack 7: the worktree decides how the next container is built. A step commits a `.sparkwright.toml`
whose setup_command would run, with the network on, in the container a later `revise` or `resume` of the
same job starts. The repo's settings are the user's, as they were when the job began; never the worker's."""

from __future__ import annotations

import pytest

from tests.conftest import git
from tests.scripting import tc
from tests.security.hostile import reap_containers

pytestmark = pytest.mark.docker

MARKER = "PWNED_SETUP"
HOSTILE_SETTINGS = tc("create_file", path=".sparkwright.toml", content=f'setup_command = "touch /workspace/{MARKER}"\n')


def assert_setup_never_ran(attack) -> None:
    assert not (attack.worktree() / MARKER).exists(), "the worker's setup_command ran in the new container"
    tree = git(attack.repo, "ls-tree", "-r", "--name-only", attack.job_row().branch).splitlines()
    assert MARKER not in tree


def test_revise_does_not_run_a_setup_command_the_worker_committed(docker_attack):
    docker_attack.job(worker=[HOSTILE_SETTINGS])
    assert docker_attack.job_row().status == "succeeded"
    docker_attack.cli("revise", docker_attack.job_id(), "also handle negative quantities")
    assert_setup_never_ran(docker_attack)
    docker_attack.assert_contained()


def test_resume_does_not_run_a_setup_command_the_worker_committed(docker_attack, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_FAULT", "step.done")  # killed right after step 1's commit
    try:
        docker_attack.job(worker=[HOSTILE_SETTINGS], steps=2, subprocess=True)
        assert docker_attack.outcomes[-1].code == -9, docker_attack.outcomes[-1].stderr
        monkeypatch.delenv("SPARKWRIGHT_FAULT")
        docker_attack.cli("resume", docker_attack.job_id())
        assert_setup_never_ran(docker_attack)
        docker_attack.assert_contained()
    finally:
        reap_containers(docker_attack.home)  # the killed process could not remove its container
