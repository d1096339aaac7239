"""Runs commands directly on the host, in the job's worktree. Not isolated: for when Docker is absent."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from sandbox.base import DEFAULT_OUTPUT_LIMIT, CappedOutput, CommandResult, read_text, scrubbed_env, write_text


class LocalSandbox:
    """A `Sandbox` whose commands run as host processes in `workspace`."""

    def __init__(self, workspace: Path, output_limit: int = DEFAULT_OUTPUT_LIMIT) -> None:
        self.workspace = Path(workspace).resolve()
        self.output_limit = output_limit
        self._env = scrubbed_env(dict(os.environ)) | {"PYTHONDONTWRITEBYTECODE": "1"}

    def run(self, command: str, timeout: float) -> CommandResult:
        started = time.perf_counter()
        proc = subprocess.Popen(
            ["bash", "-c", command],
            cwd=self.workspace,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a timeout kills the whole tree
        )
        output = CappedOutput(self.output_limit)
        reader = threading.Thread(target=_drain, args=(proc.stdout, output), daemon=True)
        reader.start()
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_group(proc.pid)  # also reaps background children left holding the pipe
            proc.wait()
            reader.join(timeout=2)
        return CommandResult(proc.returncode, output.text(), time.perf_counter() - started, timed_out)

    def read_file(self, path: str) -> str:
        return read_text(self.workspace, path)

    def write_file(self, path: str, content: str) -> None:
        write_text(self.workspace, path, content)

    def close(self) -> None:
        pass

    def __enter__(self) -> "LocalSandbox":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _drain(stream, output: CappedOutput) -> None:
    with stream:
        while chunk := stream.read1(65536):
            output.feed(chunk)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
