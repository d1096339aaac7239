"""Sandboxes for tests: the local one always, the Docker one where an engine answers and the image is here.

With SPARKWRIGHT_REQUIRE_DOCKER=1 (CI) a missing engine or image fails the Docker tests instead of
skipping them. SPARKWRIGHT_SANDBOX_IMAGE picks the image (default: what scripts/build-image.sh builds).
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from pathlib import Path

import pytest

from sandbox.container import (
    LOCAL_IMAGE,
    DockerEngineError,
    DockerImageMissingError,
    connect,
    job_containers,
    require_image,
)
from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.local import LocalSandbox

SECRET = "sk-sparkwright-test-secret"


def image_under_test() -> str:
    return os.environ.get("SPARKWRIGHT_SANDBOX_IMAGE", LOCAL_IMAGE)


@functools.cache
def docker_unavailable_reason() -> str | None:
    """Why the Docker tests cannot run here, or None when they can."""
    try:
        client = connect(timeout=3)
    except DockerEngineError as exc:
        return str(exc)
    try:
        require_image(client, image_under_test())
    except DockerImageMissingError as exc:
        return str(exc)
    finally:
        client.close()
    return None


def require_docker() -> None:
    """Skip the calling test when Docker is unusable here; fail it instead when CI requires Docker."""
    reason = docker_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("SPARKWRIGHT_REQUIRE_DOCKER") == "1":
        pytest.fail(f"SPARKWRIGHT_REQUIRE_DOCKER=1 but {reason}")
    pytest.skip(reason)


def docker_config(**overrides) -> DockerSandboxConfig:
    """Small limits, so the limit tests are quick and a runaway test cannot hurt the machine."""
    defaults = {"image": image_under_test(), "memory": "256m", "cpus": 1.0, "pids_limit": 128}
    return DockerSandboxConfig(**(defaults | overrides))


def new_job_id(name: str) -> str:
    return f"test-{name}-{uuid.uuid4().hex[:8]}"


def sparkwright_container_ids() -> set[str]:
    client = connect(timeout=10)
    try:
        return {c.id for c in job_containers(client)}
    finally:
        client.close()


@pytest.fixture(scope="session")
def no_leaked_containers():
    """After the whole session: every sparkwright container the tests created is gone."""
    require_docker()
    before = sparkwright_container_ids()
    yield
    leaked = sparkwright_container_ids() - before
    assert not leaked, f"sandbox containers left behind: {sorted(c[:12] for c in leaked)}"


@pytest.fixture
def secret_in_env(monkeypatch):
    """Host secrets a careless sandbox would pass on to commands."""
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("GITHUB_TOKEN", SECRET)
    return SECRET


@contextlib.contextmanager
def open_sandbox(kind: str, workspace: Path, name: str = "contract", shared_git_dir: Path | None = None, **overrides):
    """A started sandbox of `kind` ("local" or "docker") on `workspace`, closed afterwards."""
    if kind == "local":
        with LocalSandbox(workspace, **overrides) as sandbox:
            yield sandbox
        return
    require_docker()
    with DockerSandbox(workspace, new_job_id(name), docker_config(**overrides), shared_git_dir) as sandbox:
        yield sandbox.start()
