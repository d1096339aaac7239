"""The `Sandbox` contract, run against every implementation: local always, Docker where it runs."""

from __future__ import annotations

import pytest
from sandbox_fixtures import SECRET, no_leaked_containers, open_sandbox, secret_in_env  # noqa: F401 (fixtures)

from sandbox import PathEscapeError, Sandbox
from sandbox.base import SandboxFileError

# SIGKILL lands asynchronously and the parent of an orphan reaps it when it gets to it: wait a little.
GONE_OR_ZOMBIE = (
    "p=$(cat {pidfile}); for i in $(seq 100); do [ -e /proc/$p ] || exit 0; "
    "grep -q '^State:.*Z' /proc/$p/status 2>/dev/null && exit 0; sleep 0.05; done; exit 1"
)
KINDS = ["local", pytest.param("docker", marks=pytest.mark.docker)]


@pytest.fixture(scope="module", params=KINDS)
def kind(request):
    if request.param == "docker":
        request.getfixturevalue("no_leaked_containers")
    return request.param


@pytest.fixture(scope="module")
def sandbox(kind, tmp_path_factory):
    """One sandbox per kind for the module: tests use their own file names."""
    with open_sandbox(kind, tmp_path_factory.mktemp(f"workspace-{kind}")) as sandbox:
        yield sandbox


def test_implements_the_protocol(sandbox):
    assert isinstance(sandbox, Sandbox)


def test_exit_codes(sandbox):
    assert sandbox.run("true", 10).ok
    failed = sandbox.run("exit 3", 10)
    assert (failed.exit_code, failed.ok, failed.timed_out) == (3, False, False)
    assert sandbox.run("no-such-command-here", 10).exit_code == 127


def test_stdout_and_stderr_interleave_in_order(sandbox):
    result = sandbox.run("echo one; echo two >&2; echo three", 10)
    assert result.output == "one\ntwo\nthree\n"


def test_commands_run_in_the_workspace_root(sandbox):
    sandbox.write_file("root-marker.txt", "here\n")
    assert sandbox.run("cat root-marker.txt", 10).output == "here\n"


def test_timeout_kills_the_command_and_its_background_children(sandbox):
    result = sandbox.run("sleep 60 & echo $! > bg.pid; sleep 60", timeout=1)
    assert result.timed_out and not result.ok
    assert result.duration < 10
    assert sandbox.run(GONE_OR_ZOMBIE.format(pidfile="bg.pid"), 10).ok, "background child survived the timeout"


def test_output_is_capped_keeping_head_and_tail(sandbox):
    result = sandbox.run("seq 1 200000", 30)
    assert result.ok
    assert result.output.startswith("1\n2\n3\n")
    assert result.output.endswith("199999\n200000\n")
    assert "bytes of output cut" in result.output
    assert len(result.output) < 70_000


def test_write_then_read_round_trip(sandbox):
    content = "déjà vu ✓\nline two\n"
    sandbox.write_file("deep/nested/notes.txt", content)
    assert sandbox.read_file("deep/nested/notes.txt") == content
    assert sandbox.run("cat deep/nested/notes.txt", 10).output == content


def test_files_written_by_commands_are_readable(sandbox):
    sandbox.run("mkdir -p made && printf 'by command\\n' > made/out.txt", 10)
    assert sandbox.read_file("made/out.txt") == "by command\n"
    sandbox.write_file("made/out.txt", "edited\n")
    assert sandbox.run("cat made/out.txt && echo more >> made/out.txt", 10).ok


def test_workspace_absolute_paths_map_inside(sandbox):
    sandbox.write_file("/workspace/abs.txt", "absolute\n")
    assert sandbox.read_file("abs.txt") == "absolute\n"


@pytest.mark.parametrize("path", ["../escape.txt", "deep/../../escape.txt", "/etc/passwd", "/tmp/x.txt"])
def test_paths_outside_the_workspace_are_refused(sandbox, path):
    with pytest.raises(PathEscapeError):
        sandbox.read_file(path)
    with pytest.raises(PathEscapeError):
        sandbox.write_file(path, "nope")


def test_symlinks_pointing_out_are_refused(sandbox):
    assert sandbox.run("ln -sfn /etc etc-link && ln -sf /etc/hostname host-link", 10).ok
    for path in ("etc-link/passwd", "host-link"):
        with pytest.raises(PathEscapeError):
            sandbox.read_file(path)
    with pytest.raises(PathEscapeError):
        sandbox.write_file("etc-link/evil.conf", "nope")


def test_missing_file_is_a_file_error(sandbox):
    with pytest.raises(SandboxFileError, match="no file"):
        sandbox.read_file("does/not/exist.py")


def test_host_secrets_are_not_visible_to_commands(kind, secret_in_env, tmp_path):
    with open_sandbox(kind, tmp_path, name="secrets") as fresh:
        output = fresh.run("env; cat /proc/1/environ /proc/$PPID/environ 2>/dev/null", 10).output
    assert SECRET not in output
    assert "OPENAI_API_KEY" not in output and "GITHUB_TOKEN" not in output


def test_a_timeout_kills_what_left_the_commands_session(sandbox):
    result = sandbox.run("setsid sleep 1031 & (setsid sleep 1032 &); nohup sleep 1033 >/dev/null 2>&1 & sleep 1034", 1)
    assert result.timed_out
    left = sandbox.run("ps -eo args | grep -c '^sleep 103[1-4]' || true", 10).output.strip()
    assert left == "0", sandbox.run("ps -eo pid,ppid,args", 10).output


def test_unusual_files_are_refused_without_blocking(sandbox):
    assert sandbox.run("mkfifo pipe-file && ln -sf loop-link loop-link && truncate -s 300M sparse.txt", 10).ok
    with pytest.raises(SandboxFileError, match="not a regular file"):
        sandbox.read_file("pipe-file")
    with pytest.raises(SandboxFileError, match="over the"):
        sandbox.read_file("sparse.txt")
    with pytest.raises(PathEscapeError, match="symbolic link"):
        sandbox.read_file("loop-link/x")
    with pytest.raises(PathEscapeError, match=".git"):
        sandbox.write_file(".git/config", "[core]")
