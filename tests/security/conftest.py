"""The security suite: each test plays an attacker through scripted models (the planner's and/or the
worker's script is hostile), driving the real CLI, then looks at what an attacker would have changed or
learned: canary files outside the worktree, marker files a host command would create, the user's repo,
the worktree's `.git`, the raw bytes of the database (WAL included) and everything the CLI prints. Never
at sparkwright's own error messages: a contained attack may be refused in any words.

Fixtures here; the machinery (`Attack`, `db_bytes`, `assert_no_secret`, the secrets) in hostile.py.
The user's repo is tests/conftest.py's `repo` (the example shop cart, committed).
"""

from __future__ import annotations

import os
import time

import pytest

from tests.sandbox_fixtures import image_under_test, no_leaked_containers, require_docker  # noqa: F401 (fixture)
from tests.security.hostile import HOST_TOKEN, NAME_TOKEN, SECRETS, Attack, Host


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def kind(request) -> str:
    """The sandbox a test runs in: every attack that applies to both runs in both."""
    if request.param == "docker":
        require_docker()
        request.getfixturevalue("no_leaked_containers")
    return request.param


@pytest.fixture
def docker(request) -> str:
    """For the attacks that only concern the Docker sandbox."""
    require_docker()
    request.getfixturevalue("no_leaked_containers")
    return "docker"


@pytest.fixture
def secrets(monkeypatch) -> dict[str, str]:
    """Distinctive host secrets in the environment of every run."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


@pytest.fixture
def host(tmp_path) -> Host:
    root = tmp_path / "host"
    (root / "markers").mkdir(parents=True)
    (root / "outside").mkdir()
    canary = root / "canary.txt"
    canary.write_text("canary: the original content\n")
    os.chmod(canary, 0o640)
    secret = root / "secret.txt"
    secret.write_text(f"db_password = s3cret {HOST_TOKEN}\n")
    (root / f"{NAME_TOKEN}.txt").write_text("a file whose name is secret\n")
    past = time.time() - 3600  # an mtime a rewrite could not reproduce by accident
    for path in (canary, secret):
        os.utime(path, (past, past))
    return Host(root, canary, secret, root / "outside", root / "markers")


@pytest.fixture
def attack(kind, repo, home, tmp_path, host, secrets, monkeypatch) -> Attack:
    """A hostile job in the `kind` sandbox; afterwards the host, the user's repo and the markers are checked."""
    return _attack(kind, repo, home, tmp_path, host, monkeypatch)


@pytest.fixture
def docker_attack(docker, repo, home, tmp_path, host, secrets, monkeypatch) -> Attack:
    """For the attacks that only concern the Docker sandbox."""
    return _attack(docker, repo, home, tmp_path, host, monkeypatch)


@pytest.fixture
def local_attack(repo, home, tmp_path, host, secrets, monkeypatch) -> Attack:
    """For the attacks only the local sandbox makes possible (a hardlink to a host file)."""
    return _attack("local", repo, home, tmp_path, host, monkeypatch)


def _attack(kind, repo, home, tmp_path, host, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")  # a failing step ends the job quickly
    monkeypatch.setenv("SPARKWRIGHT_CHECK_FAILURES_PER_ATTEMPT", "1")
    monkeypatch.setenv("SPARKWRIGHT_DOCKER_IMAGE", image_under_test())
    (tmp_path / "attack").mkdir()
    return Attack(kind, repo, home, tmp_path / "attack", host)
