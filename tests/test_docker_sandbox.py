"""What only the Docker sandbox promises: setup and lifecycle (its containment: tests/security/test_containment.py).
Real Docker, no mocks."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from sandbox_fixtures import docker_config, new_job_id, no_leaked_containers, open_sandbox  # noqa: F401 (fixture)

from sandbox.container import DockerEngineError, DockerImageMissingError, connect, job_containers
from sandbox.docker import DockerSandbox, SandboxSetupError, docker_available, remove_job_containers

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("no_leaked_containers")]


def git(repo, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_host_and_container_share_the_worktree_and_git_still_works(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "README").write_text("hello\n")
    git(tmp_path, "add", "README")
    git(tmp_path, "commit", "-qm", "initial")
    with open_sandbox("docker", tmp_path, name="git") as sandbox:
        assert sandbox.run("echo from container >> README && mkdir -p pkg && echo 'x = 1' > pkg/mod.py", 10).ok
        (tmp_path / "later").mkdir()  # created by the host after the container started
        (tmp_path / "later" / "host.txt").write_text("host\n")
        assert sandbox.run("echo container >> later/host.txt && git status --short", 10).ok
    with (tmp_path / "pkg" / "mod.py").open("a") as edited_on_host:
        edited_on_host.write("y = 2\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "edited in the sandbox")
    assert git(tmp_path, "status", "--porcelain") == ""
    assert (tmp_path / "later" / "host.txt").read_text() == "host\ncontainer\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chown; as a user every test already runs this way")
def test_a_worktree_owned_by_a_user_is_worked_on_as_that_user(tmp_path):
    os.chown(tmp_path, 4242, 4343)
    with open_sandbox("docker", tmp_path, name="owner") as sandbox:
        assert sandbox.run("id -u; id -g; touch made.txt", 10).output == "4242\n4343\n"
    made = (tmp_path / "made.txt").stat()
    assert (made.st_uid, made.st_gid) == (4242, 4343)


def test_setup_runs_online_then_the_job_runs_offline(tmp_path):
    setup = "echo setup ran; ls /sys/class/net | tr '\\n' ' '"
    with open_sandbox("docker", tmp_path, name="setup", setup_command=setup) as sandbox:
        assert sandbox.setup_result.output.startswith("setup ran\n") and "eth0" in sandbox.setup_result.output
        assert sandbox.run("ls /sys/class/net", 10).output == "lo\n"


def test_failed_setup_raises_with_its_log_and_leaves_no_container(tmp_path):
    job_id = new_job_id("bad-setup")
    with pytest.raises(SandboxSetupError, match="exited with 3") as failure:
        with DockerSandbox(tmp_path, job_id, docker_config(setup_command="echo broken deps; exit 3")) as sandbox:
            sandbox.wait_ready()
    assert "broken deps" in failure.value.result.output
    assert not _containers_of(job_id)


def test_start_async_returns_at_once_and_first_run_waits(tmp_path):
    sandbox = DockerSandbox(tmp_path, new_job_id("async"), docker_config())
    started = time.monotonic()
    with sandbox:
        assert time.monotonic() - started < 0.5
        assert sandbox.run("echo ready", 10).output == "ready\n"


def test_reattach_to_the_jobs_kept_container(tmp_path):
    job_id = new_job_id("resume")
    try:
        with DockerSandbox(tmp_path, job_id, docker_config(keep=True)) as first:
            first.run("echo remembered > /tmp/state", 10)
        with DockerSandbox(tmp_path, job_id, docker_config(keep=True)) as again:
            assert again.start().reattached
            assert again.run("cat /tmp/state", 10).output == "remembered\n"
        with DockerSandbox(tmp_path, job_id, docker_config(memory="300m")) as changed:
            assert not changed.start().reattached, "a container built from another config must be recreated"
            assert changed.run("cat /tmp/state", 10).exit_code != 0
        assert not _containers_of(job_id)
    finally:
        remove_job_containers(job_id)


def test_missing_image_says_how_to_get_one(tmp_path):
    job_id = new_job_id("no-image")
    with pytest.raises(DockerImageMissingError, match=r"docker pull .*build-image\.sh"):
        with DockerSandbox(tmp_path, job_id, docker_config(image="sparkwright-no-such-image:0")) as sandbox:
            sandbox.wait_ready()
    assert not _containers_of(job_id)


def test_no_engine_is_a_clear_error(monkeypatch):
    assert docker_available()
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert not docker_available(timeout=1)
    with pytest.raises(DockerEngineError, match="start it"):
        connect(timeout=1)


def _containers_of(job_id: str) -> list:
    client = connect()
    try:
        return job_containers(client, job_id)
    finally:
        client.close()
