"""Containment of the Docker sandbox: what a command in it cannot reach or exhaust. Real Docker, no mocks.

No network, a non-root user without capabilities, memory/pids limits, capped output, timeouts that kill the
whole tree, a command server that survives `kill -9 -1`, the user's repository read-only, no host variables.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from sandbox.container import CONTAINER_ENV
from tests.sandbox_fixtures import no_leaked_containers, open_sandbox  # noqa: F401 (fixture)

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("no_leaked_containers")]


def git(repo, *args: str) -> str:
    command = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with open_sandbox("docker", tmp_path_factory.mktemp("docker-workspace"), name="isolation") as sandbox:
        yield sandbox


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


def test_only_our_own_variables_reach_the_container(sandbox):
    names = {entry.split("=", 1)[0] for entry in sandbox.container.attrs["Config"]["Env"]}
    image_names = {"PATH", "LANG"}
    assert names <= set(CONTAINER_ENV) | image_names
