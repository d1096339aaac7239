"""Where the worker's commands run and its files live. A leaf package: imports nothing of ours."""

from sandbox.base import CommandResult, Sandbox, SandboxError, PathEscapeError
from sandbox.local import LocalSandbox

__all__ = ["CommandResult", "Sandbox", "SandboxError", "PathEscapeError", "LocalSandbox"]
