"""Running commands: an arbitrary shell command, and the step's check."""

from __future__ import annotations

from pydantic import BaseModel, Field

from sandbox import CommandResult, Sandbox


class RunArgs(BaseModel):
    command: str = Field(description="A bash command, run in the repository root.")


def describe(result: CommandResult, timeout: float) -> str:
    if result.timed_out:
        status = f"timed out after {timeout:.0f}s (killed)"
    else:
        status = f"exit code {result.exit_code}"
    return f"{status}, {result.duration:.1f}s\n{result.output}".rstrip()


def run_command(sandbox: Sandbox, args: RunArgs, timeout: float) -> str:
    return describe(sandbox.run(args.command, timeout), timeout)
