"""Choosing and opening the job's sandbox: Docker where an engine answers, else the host with a warning."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.config import Settings
from sandbox import LocalSandbox, Sandbox
from sandbox.container import connect, require_image
from sandbox.docker import DockerSandbox, DockerSandboxConfig, SandboxSetupError, docker_available
from state import SqlStore

NOT_ISOLATED = ("no Docker engine answers: commands run directly on this machine, not isolated "
                "(start Docker, or pass --sandbox local to silence this)")


def repo_settings(workspace: Path) -> dict:
    """The target repo's own `.sparkwright.toml` (e.g. its setup_command), if it has one."""
    path = workspace / ".sparkwright.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except tomllib.TOMLDecodeError:
        return {}


def docker_config(settings: Settings, workspace: Path) -> DockerSandboxConfig:
    return DockerSandboxConfig(
        image=settings.docker_image, memory=settings.docker_memory, cpus=settings.docker_cpus,
        pids_limit=settings.docker_pids_limit, network=settings.network, keep=settings.keep_sandbox,
        setup_command=settings.setup_command or repo_settings(workspace).get("setup_command"))


def sandbox_kind(settings: Settings, warn: Callable[[str], None]) -> str:
    if settings.sandbox != "auto":
        return settings.sandbox
    if docker_available():
        return "docker"
    warn(NOT_ISOLATED)
    return "local"


def preflight(settings: Settings) -> None:
    """Refuse before any job is made when the Docker sandbox cannot start (no engine, no image)."""
    client = connect(timeout=10)
    try:
        require_image(client, settings.docker_image)
    finally:
        client.close()


@contextmanager
def open_sandbox(settings: Settings, store: SqlStore, job_id: str, workspace: Path,
                 warn: Callable[[str], None]) -> Iterator[Sandbox]:
    """The sandbox for the job; a Docker container starts in the background while the planner thinks."""
    if sandbox_kind(settings, warn) == "local":
        with LocalSandbox(workspace) as sandbox:
            yield sandbox
        return
    sandbox = DockerSandbox(workspace, job_id, docker_config(settings, workspace))
    try:
        with sandbox:
            yield sandbox
    except SandboxSetupError as exc:
        store.add_event(job_id, "sandbox_setup", {"ok": False, "log": exc.result.output[-20_000:]})
        raise
    if sandbox.setup_log:
        store.add_event(job_id, "sandbox_setup", {"ok": True, "log": sandbox.setup_log[-20_000:]})
