"""Choosing and opening the job's sandbox: Docker where an engine answers, else the host with a warning.

How the sandbox is built (setup command, mounts) comes from the job's stored settings and its base
commit, never from files in the worktree: a step could have written those. The docker SDK is loaded only
when a job may use Docker, so a local job starts without it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from agent.config import Settings
from agent.record import SandboxSetup, record_event
from agent.repo import Workspace, repo_settings
from sandbox import LocalSandbox, Sandbox
from state import Job, SqlStore

if TYPE_CHECKING:
    from sandbox.docker import DockerSandbox, DockerSandboxConfig

NOT_ISOLATED = (
    "no Docker engine answers: commands run directly on this machine, not isolated "
    "(start Docker, or pass --sandbox local to silence this)"
)
SETUP_LOG_CHARS = 20_000


def setup_command(settings: Settings, job: Job) -> str | None:
    return settings.setup_command or repo_settings(Path(job.repo_path), job.base_commit).get("setup_command")


def docker_config(settings: Settings, job: Job) -> DockerSandboxConfig:
    from sandbox.docker import DockerSandboxConfig

    return DockerSandboxConfig(
        image=settings.docker_image,
        memory=settings.docker_memory,
        cpus=settings.docker_cpus,
        pids_limit=settings.docker_pids_limit,
        network=settings.network,
        keep=settings.keep_sandbox,
        setup_command=setup_command(settings, job),
        setup_timeout=settings.setup_timeout,
    )


def sandbox_kind(settings: Settings, warn: Callable[[str], None]) -> Literal["docker", "local"]:
    if settings.sandbox != "auto":
        return settings.sandbox
    from sandbox.docker import docker_available

    if docker_available():
        return "docker"
    warn(NOT_ISOLATED)
    return "local"


def preflight(settings: Settings) -> None:
    """Refuse before any job is made when the Docker sandbox cannot start (no engine, no image)."""
    from sandbox.container import connect, require_image

    client = connect(timeout=10)
    try:
        require_image(client, settings.docker_image)
    finally:
        client.close()


@contextmanager
def open_sandbox(
    settings: Settings,
    store: SqlStore,
    job: Job,
    workspace: Workspace,
    warn: Callable[[str], None],
    name: str | None = None,
) -> Iterator[Sandbox]:
    """The sandbox for the job (or, `name`d, for one of its lanes); a Docker container starts in the background
    while the planner thinks. The setup command's log is recorded; a failed one ends the job, resumably."""
    sandbox: LocalSandbox | DockerSandbox
    if sandbox_kind(settings, warn) == "local":
        sandbox = LocalSandbox(
            workspace.path,
            pass_env=settings.sandbox_env,
            setup_command=setup_command(settings, job),
            setup_timeout=settings.setup_timeout,
        )
    else:
        from sandbox.docker import DockerSandbox

        sandbox = DockerSandbox(
            workspace.path, name or job.id, docker_config(settings, job), shared_git_dir=workspace.common_dir
        )
    try:
        with sandbox:
            yield sandbox
    finally:
        if (setup := sandbox.setup_result) is not None:
            record_event(store, job.id, SandboxSetup(ok=setup.ok, log=setup.output[-SETUP_LOG_CHARS:]))
