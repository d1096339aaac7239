"""Where the worker's commands run and its files live. A leaf package: imports nothing of ours."""

from sandbox.base import (
    CommandResult,
    PathEscapeError,
    Sandbox,
    SandboxCallError,
    SandboxError,
    SandboxFileError,
    SandboxSetupError,
)
from sandbox.local import LocalSandbox

__all__ = [
    "CommandResult",
    "Sandbox",
    "SandboxError",
    "SandboxCallError",
    "SandboxFileError",
    "PathEscapeError",
    "SandboxSetupError",
    "LocalSandbox",
]
