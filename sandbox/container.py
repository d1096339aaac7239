"""A job's container: its configuration, creation, discovery by label, and removal (docker SDK)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Literal

import docker
from docker.models.containers import Container
from pydantic import BaseModel, ConfigDict, Field

from sandbox.base import DEFAULT_IMAGE, DEFAULT_OUTPUT_LIMIT, SandboxError

log = logging.getLogger(__name__)

LOCAL_IMAGE = "sparkwright-sandbox:bookworm"
"""The image scripts/build-image.sh builds offline (tests and CI use it)."""
JOB_LABEL = "sparkwright.job"
WORKSPACE_LABEL = "sparkwright.workspace"
CONFIG_LABEL = "sparkwright.config"
WORKDIR = "/workspace"
ENGINE_HINT = "start it (`sudo systemctl start docker`, or `sudo dockerd &`) or use `--sandbox local`"

# PID 1 of the container. As the namespace's init it is immune to a command's `kill -9 -1`, so the
# container outlives any command; ignoring SIGCHLD makes the kernel reap the orphans it adopts
# from killed process trees; SIGTERM (docker stop) ends it.
INIT_SCRIPT = (
    "import signal as s;s.signal(s.SIGCHLD,s.SIG_IGN);"
    "s.pthread_sigmask(s.SIG_BLOCK,{s.SIGTERM,s.SIGINT});s.sigwait({s.SIGTERM,s.SIGINT})"
)
# Only these reach commands (plus the image's own ENV): never anything from the host's environment.
CONTAINER_ENV = {
    "HOME": "/tmp",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    # The worktree belongs to another uid; git in the sandbox must still work in it.
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "safe.directory",
    "GIT_CONFIG_VALUE_0": "*",
}


class DockerEngineError(SandboxError):
    """No Docker engine answers."""


class DockerImageMissingError(SandboxError):
    """The sandbox image is not on this machine."""


class DockerSandboxConfig(BaseModel):
    """How a job's Docker sandbox is built. Defaults are the isolated, offline ones."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    type: Literal["docker"] = "docker"
    """Which sandbox this configures."""
    image: str = DEFAULT_IMAGE
    """Image to run; needs bash and python3. Offline: `bash scripts/build-image.sh` builds LOCAL_IMAGE."""
    memory: str = "4g"
    """Memory limit in docker's syntax (512m, 4g); no swap beyond it. The biggest process is killed past it."""
    cpus: float = Field(default=2.0, gt=0)
    """CPU cores the container may use."""
    pids_limit: int = Field(default=1024, gt=0)
    """Processes and threads the container may have at once: stops fork bombs."""
    network: bool = False
    """Let commands reach the network while the job runs (the setup command always may)."""
    setup_command: str | None = None
    """Run once in a new container with the network on, e.g. `pip install -e '.[test]'`."""
    setup_timeout: float = Field(default=1200.0, gt=0)
    """Seconds the setup command may run."""
    start_timeout: float = Field(default=120.0, gt=0)
    """Seconds to create and start the container and its command server (setup not included)."""
    keep: bool = False
    """Keep the container when the sandbox closes (to inspect it, or to reattach on resume)."""
    output_limit: int = Field(default=DEFAULT_OUTPUT_LIMIT, gt=0)
    """Bytes of a command's output kept: the first and last half, with a note of what was cut."""
    user: str | None = None
    """`uid:gid` to run as; default the worktree owner's, or 1000 with its gid when that is root."""

    def fingerprint(self) -> str:
        """Identifies the fields a container is built from: reattach only when these match."""
        built_from = self.model_dump(
            include={"image", "memory", "cpus", "pids_limit", "network", "setup_command", "user"}
        )
        return hashlib.sha256(json.dumps(built_from, sort_keys=True).encode()).hexdigest()[:16]


def connect(timeout: float = 10.0) -> docker.DockerClient:
    """A client of the engine DOCKER_HOST (or the default socket) names; raises if none answers."""
    try:
        client = docker.from_env(timeout=timeout)
        client.ping()
    except docker.errors.DockerException as exc:
        raise DockerEngineError(f"no Docker engine answers ({_first_line(exc)}): {ENGINE_HINT}") from None
    return client


def require_image(client: docker.DockerClient, image: str) -> None:
    try:
        client.images.get(image)
    except docker.errors.ImageNotFound:
        raise DockerImageMissingError(
            f"docker image {image!r} is not on this machine: run `docker pull {image}`"
            f" (or, offline, `bash scripts/build-image.sh` and use {LOCAL_IMAGE!r})"
        ) from None


def job_containers(client: docker.DockerClient, job_id: str | None = None) -> list[Container]:
    """The job's containers (every sparkwright container when `job_id` is None), running or not."""
    label = JOB_LABEL if job_id is None else f"{JOB_LABEL}={job_id}"
    found: list[Container] = client.containers.list(all=True, filters={"label": label})
    return found


def reusable(container: Container, workspace: Path, config: DockerSandboxConfig) -> bool:
    labels: dict[str, str] = container.labels
    status: str = container.status
    return (
        status == "running"
        and labels.get(WORKSPACE_LABEL) == str(workspace)
        and labels.get(CONFIG_LABEL) == config.fingerprint()
    )


def create(
    client: docker.DockerClient,
    config: DockerSandboxConfig,
    workspace: Path,
    job_id: str,
    user: str,
    network: bool,
    shared_git_dir: Path | None = None,
) -> Container:
    """Create and start the job's container; `network` gives it the default bridge, else none."""
    container = client.containers.create(
        config.image,
        ["python3", "-c", INIT_SCRIPT],
        labels={JOB_LABEL: job_id, WORKSPACE_LABEL: str(workspace), CONFIG_LABEL: config.fingerprint()},
        user=user,
        working_dir=WORKDIR,
        environment=CONTAINER_ENV,
        volumes=_volumes(workspace, shared_git_dir),
        network_mode="bridge" if network else "none",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges:true"],
        mem_limit=config.memory,
        memswap_limit=config.memory,
        nano_cpus=int(config.cpus * 1e9),
        pids_limit=config.pids_limit,
        hostname="sandbox",
    )
    try:
        container.start()
        container.reload()
        if container.status != "running":
            raise SandboxError(
                f"the sandbox container exited at once: {_tail(container)}; does image {config.image!r} have python3?"
            )
    except BaseException:
        remove(container)
        raise
    return container


def _volumes(workspace: Path, git_dir: Path | None) -> dict[str, dict[str, str]]:
    volumes = {str(workspace): {"bind": WORKDIR, "mode": "rw"}}
    if git_dir is not None and git_dir != workspace and workspace not in git_dir.parents:
        volumes[str(git_dir)] = {"bind": str(git_dir), "mode": "ro"}
    return volumes


def disconnect_network(client: docker.DockerClient, container: Container) -> None:
    """Take the container offline (after setup): it keeps only its loopback interface."""
    for name in list(container.attrs["NetworkSettings"]["Networks"]):
        client.networks.get(name).disconnect(container, force=True)


def remove(container: Container) -> None:
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.DockerException as exc:
        log.warning("could not remove sandbox container %s: %s", container.short_id, _first_line(exc))


def _tail(container: Container) -> str:
    logs = container.logs(tail=5).decode(errors="replace").strip()
    return logs.replace("\n", " | ") or f"status {container.status}"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
