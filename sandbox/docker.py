"""Runs the worker's commands in a long-lived, isolated container per job.

Files are read and written host-side in the bind-mounted worktree (fast, confined by the same
helpers as the local sandbox); commands go to a command server inside the container over one
kept-open `docker exec` stream (~1-2 ms a command instead of ~70 ms for a fresh exec).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import docker
from docker.models.containers import Container

from sandbox import container as containers
from sandbox.base import DEFAULT_IMAGE, CommandResult, SandboxError, SandboxSetupError
from sandbox.cmdclient import CommandChannel, CommandServerError, command_result, lost_result
from sandbox.confined import read_text, write_text
from sandbox.container import (
    LOCAL_IMAGE,
    DockerEngineError,
    DockerImageMissingError,
    DockerSandboxConfig,
    job_containers,
)
from sandbox.workspace_access import grant_access, sandbox_user

__all__ = [
    "DockerSandbox",
    "DockerSandboxConfig",
    "DockerEngineError",
    "DockerImageMissingError",
    "SandboxSetupError",
    "docker_available",
    "remove_job_containers",
    "DEFAULT_IMAGE",
    "LOCAL_IMAGE",
]

log = logging.getLogger(__name__)

SERVER_GRACE = 15.0
"""Seconds past a command's timeout before we stop waiting for the server (it kills, then drains)."""
SETUP_LOG_LIMIT = 1024 * 1024
ENGINE_TIMEOUT = 120.0
"""Seconds an engine API call may take: removing a container on a loaded engine can be slow."""


def docker_available(timeout: float = 2.0) -> bool:
    """True when a Docker engine answers within `timeout` seconds (for choosing the default sandbox)."""
    try:
        containers.connect(timeout).close()
    except DockerEngineError:
        return False
    return True


def remove_job_containers(job_id: str | None = None) -> int:
    """Remove the job's containers (all sparkwright containers when `job_id` is None); how many."""
    client = containers.connect(timeout=ENGINE_TIMEOUT)
    try:
        found = job_containers(client, job_id)
        for each in found:
            containers.remove(each)
        return len(found)
    finally:
        client.close()


class DockerSandbox:
    """A `Sandbox` whose commands run in the job's container; a context manager owns the container.

    `start()` reattaches to the job's running container when it was built from the same workspace
    and config (resume), else creates one and runs the setup command. `start_async()` does that in
    the background; the first `run` waits for it. Entering the context starts it in the background.
    """

    def __init__(
        self,
        workspace: Path,
        job_id: str,
        config: DockerSandboxConfig | None = None,
        shared_git_dir: Path | None = None,
    ) -> None:
        self.workspace = Path(workspace).resolve()
        self.shared_git_dir = shared_git_dir
        """The user's repository's git directory, mounted read-only at its own path so git works in the
        container; given by the caller, never read from the worktree (which the model can write)."""
        self.job_id = job_id
        self.config = config or DockerSandboxConfig()
        self.setup_result: CommandResult | None = None
        """The setup command's result, when this start ran it (None on reattach or without setup)."""
        self.reattached = False
        """True when `start` found the job's container already running and reused it."""
        self.user = self.config.user or "{}:{}".format(*sandbox_user(self.workspace))
        """`uid:gid` commands run as in the container."""
        self.container: Container | None = None
        self._client: docker.DockerClient | None = None
        self._channel: CommandChannel | None = None
        self._lock = threading.Lock()
        self._starter: threading.Thread | None = None
        self._start_error: BaseException | None = None
        self._closing = False

    def start_async(self) -> DockerSandbox:
        """Begin starting the container in a background thread and return at once."""
        with self._lock:
            if self._starter is None:
                self._starter = threading.Thread(
                    target=self._start_in_background, daemon=True, name=f"sandbox-start-{self.job_id}"
                )
                self._starter.start()
        return self

    def start(self) -> DockerSandbox:
        """Start (or reattach to) the container and wait until it runs commands."""
        return self.start_async().wait_ready()

    def wait_ready(self, timeout: float | None = None) -> DockerSandbox:
        """Wait for a start begun by `start_async`; raises what starting raised."""
        if self._starter is None:
            raise SandboxError("the sandbox was not started: call start() or use it as a context manager")
        limit = self.config.start_timeout + self.config.setup_timeout if timeout is None else timeout
        self._starter.join(limit)
        if self._starter.is_alive():
            raise SandboxError(f"the sandbox container was not ready after {limit:.0f}s: is the engine overloaded?")
        if self._start_error is not None:
            raise self._start_error
        return self

    def run(self, command: str, timeout: float) -> CommandResult:
        if self._closing:
            raise SandboxError("the sandbox is closed: open a new one for the job")
        self.start()
        with self._lock:
            return self._run_on_server(command, timeout, self.config.output_limit)

    def read_file(self, path: str) -> str:
        return read_text(self.workspace, path)

    def write_file(self, path: str, content: str) -> None:
        write_text(self.workspace, path, content)

    def close(self) -> None:
        """Stop the command server; remove the container unless the config says keep."""
        self._closing = True
        if self._starter is not None:
            if self._starter.is_alive() and self.container is not None and not self.config.keep:
                containers.remove(self.container)  # ends a setup command still running
            self._starter.join()
        with self._lock:
            self._discard_container()
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> DockerSandbox:
        return self.start_async()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start_in_background(self) -> None:
        try:
            self._start()
        except BaseException as exc:  # re-raised by wait_ready in the caller's thread
            self._start_error = exc
            self._discard_container()

    def _start(self) -> None:
        self._client = containers.connect(timeout=ENGINE_TIMEOUT)
        if self._reattach():
            return
        containers.require_image(self._client, self.config.image)
        if self.config.user is None:
            grant_access(self.workspace, int(self.user.split(":")[0]))
        with_network = self.config.network or bool(self.config.setup_command)
        self.container = containers.create(
            self._client, self.config, self.workspace, self.job_id, self.user, with_network, self.shared_git_dir
        )
        if self._closing:
            raise SandboxError("the sandbox was closed while it started")
        self._open_channel()
        if self.config.setup_command:
            self._run_setup(self.config.setup_command)
            if not self.config.network:
                containers.disconnect_network(self._client, self.container)

    def _reattach(self) -> bool:
        for found in job_containers(self._client, self.job_id):
            if self.container is None and containers.reusable(found, self.workspace, self.config):
                self.container = found
            else:
                log.info("removing stale sandbox container %s of job %s", found.short_id, self.job_id)
                containers.remove(found)
        if self.container is None:
            return False
        self._kill_leftover_processes()  # commands a crashed sparkwright left running
        self._open_channel()
        self.reattached = True
        return True

    def _run_setup(self, command: str) -> None:
        result = self._run_on_server(command, self.config.setup_timeout, SETUP_LOG_LIMIT)
        self.setup_result = result
        if not result.ok:
            raise SandboxSetupError.of(command, result)

    def _open_channel(self) -> CommandChannel:
        assert self._client is not None and self.container is not None, "_start() sets both before any command"
        self._channel = channel = CommandChannel(self._client.api, self.container.id, self.user)
        try:
            channel.open(self.config.start_timeout)
        except docker.errors.DockerException as exc:
            self._channel = None
            raise SandboxError(
                f"the sandbox container of job {self.job_id} is gone ({exc}): resume the job to start a new one"
            ) from None
        except CommandServerError as exc:
            self._channel = None
            raise SandboxError(
                f"the sandbox's command server did not start ({exc}): "
                f"does image {self.config.image!r} have python3 and bash?"
            ) from None
        return channel

    def _run_on_server(self, command: str, timeout: float, limit: int) -> CommandResult:
        started = time.perf_counter()
        request = {"command": command, "timeout": timeout, "limit": limit}
        channel = self._channel or self._open_channel()
        try:
            reply = channel.request(request, timeout + SERVER_GRACE)
        except CommandServerError as exc:
            return self._server_lost(channel, exc, time.perf_counter() - started, timeout)
        return command_result(reply, time.perf_counter() - started)

    def _server_lost(
        self, channel: CommandChannel, exc: CommandServerError, elapsed: float, timeout: float
    ) -> CommandResult:
        # The command may have killed the server (`kill -9 -1`), or the server hung: start afresh.
        log.warning("sandbox command server of job %s lost (%s); restarting it", self.job_id, exc)
        channel.close()
        self._channel = None
        self._kill_leftover_processes()
        return lost_result(exc, elapsed, timeout)

    def _kill_leftover_processes(self) -> None:
        # kill -1 reaches every process of the sandbox user except PID 1 (the container's init).
        assert self.container is not None, "_start() sets it before any command"
        try:
            self.container.exec_run(["bash", "-c", "kill -KILL -1"], user=self.user)
        except docker.errors.DockerException as exc:
            raise SandboxError(
                f"the sandbox container of job {self.job_id} is gone ({exc}): resume the job to start a new one"
            ) from None

    def _discard_container(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self.container is not None and not self.config.keep:
            containers.remove(self.container)
            self.container = None
