"""What only the Docker sandbox promises: isolation, limits, setup, lifecycle. Real Docker, no mocks."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from sandbox.container import CONTAINER_ENV, DockerEngineError, DockerImageMissingError, connect, job_containers
from sandbox.docker import DockerSandbox, SandboxSetupError, docker_available, remove_job_containers
from sandbox_fixtures import docker_config, new_job_id, no_leaked_containers, open_sandbox  # noqa: F401 (fixture)

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("no_leaked_containers")]


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with open_sandbox("docker", tmp_path_factory.mktemp("docker-workspace"), name="isolation") as sandbox:
        yield sandbox


def git(repo, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_network_is_off(sandbox):
    interfaces = sandbox.run("python3 -c 'import socket; print(sorted(n for _, n in socket.if_nameindex()))'", 10)
    assert interfaces.output.strip() == "['lo']"
    connect_out = sandbox.run("python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 53), 3)'", 10)
    assert connect_out.exit_code != 0 and "unreachable" in connect_out.output


def test_runs_as_non_root_without_capabilities(sandbox):
    assert sandbox.run("id -u", 10).output.strip() != "0"
    status = sandbox.run("grep -E '^(CapEff|NoNewPrivs)' /proc/self/status", 10).output.split()
    assert status == ["CapEff:", "0000000000000000", "NoNewPrivs:", "1"]


def test_memory_limit_kills_the_hog(sandbox):
    result = sandbox.run("python3 -c \"x = 'x' * (600 * 1024 * 1024); print('survived')\"", 60)
    assert result.exit_code in (-9, 137) and "survived" not in result.output
    assert sandbox.run("echo still here", 10).output == "still here\n"


def test_timeout_kills_the_whole_tree_inside_the_container(sandbox):
    result = sandbox.run("sleep 101 & (sleep 102 &); setsid sleep 103 & bash -c 'sleep 104' ; sleep 105", 1)
    assert result.timed_out and result.exit_code == -9 and result.duration < 5
    processes = sandbox.run("ps -eo cmd", 10).output
    assert "sleep" not in processes, processes


def test_huge_output_is_capped_quickly(sandbox):
    started = time.monotonic()
    result = sandbox.run("head -c 400000000 /dev/zero | tr '\\0' x; echo; echo END", 60)
    assert result.ok and time.monotonic() - started < 20
    assert result.output.endswith("END\n") and "bytes of output cut" in result.output
    assert len(result.output) < 70_000


def test_endless_output_stops_at_the_timeout(sandbox):
    result = sandbox.run("yes", 2)
    assert result.timed_out and result.duration < 6 and len(result.output) < 70_000


def test_fork_bomb_hits_the_pids_limit(sandbox):
    result = sandbox.run("bomb(){ bomb | bomb & }; bomb; sleep 3", 10)
    assert "Resource temporarily unavailable" in result.output  # the limit, not the machine, ran out
    assert result.duration < 20
    assert sandbox.run("echo alive", 10).output == "alive\n"
    assert int(sandbox.run("ps -e --no-headers | wc -l", 10).output) < 10, "the bomb's processes outlived it"


def test_a_command_killing_the_server_is_survived(sandbox):
    lost = sandbox.run("kill -9 -1", 10)
    assert lost.exit_code == -1 and "command server" in lost.output
    assert sandbox.run("echo back", 10).output == "back\n"


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


def test_git_works_in_a_linked_worktree_whose_repository_stays_read_only(tmp_path):
    repo, worktree = tmp_path / "repo", tmp_path / "job-worktree"
    git(tmp_path, "init", "-q", str(repo))
    (repo / "app.py").write_text("x = 1\n")
    git(repo, "add", "app.py")
    git(repo, "commit", "-qm", "initial")
    git(repo, "worktree", "add", "-q", "-b", "job", str(worktree))
    with open_sandbox("docker", worktree, name="worktree", shared_git_dir=repo / ".git") as sandbox:
        edited = sandbox.run("echo 'y = 2' >> app.py && git status --short && git log --format=%s", 10)
        assert edited.output == " M app.py\ninitial\n"
        assert sandbox.run(f"touch {repo}/.git/refs/heads/evil", 10).exit_code != 0
    assert git(worktree, "status", "--short") == " M app.py\n"


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


def test_only_our_own_variables_reach_the_container(sandbox):
    names = {entry.split("=", 1)[0] for entry in sandbox.container.attrs["Config"]["Env"]}
    image_names = {"PATH", "LANG"}
    assert names <= set(CONTAINER_ENV) | image_names


def _containers_of(job_id: str) -> list:
    client = connect()
    try:
        return job_containers(client, job_id)
    finally:
        client.close()
