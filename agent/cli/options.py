"""The options more than one command takes, declared once so that their flags and help read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Opt = typer.Option
Arg = typer.Argument

ConfigOpt = Annotated[Path | None, Opt("--config", help="Config file (TOML); default ~/.sparkwright/config.toml.")]
DbOpt = Annotated[
    str | None, Opt("--db", help="The job record: a SQLite file, or a URL (sqlite:///PATH, postgresql+psycopg://...).")
]
JsonOpt = Annotated[bool, Opt("--json", help="One JSON event per line instead of live progress.")]
JobArg = Annotated[str, Arg(help="The job's id (or a unique prefix).")]

# What a new job is made of, for `run` and `submit`.
IssueFileOpt = Annotated[Path | None, Opt("--issue-file", help="A file holding the issue text.")]
DeepModelOpt = Annotated[str | None, Opt(help="Planner model, provider:model.")]
FastModelOpt = Annotated[str | None, Opt(help="Worker model, provider:model.")]
TestCommandOpt = Annotated[str | None, Opt(help="The repo's full test command.")]
PushOpt = Annotated[bool, Opt("--push", help="Push the job branch to origin if the job succeeds.")]
PrOpt = Annotated[bool, Opt("--pr", help="Also open a draft pull request for the issue (implies --push).")]

# Where `run` finds its models and runs its commands.
DeepBaseUrlOpt = Annotated[str | None, Opt(help="OpenAI-compatible server for the deep model.")]
FastBaseUrlOpt = Annotated[str | None, Opt(help="OpenAI-compatible server for the fast model.")]
SandboxOpt = Annotated[str | None, Opt(help="docker, local or auto (docker when an engine answers).")]
ImageOpt = Annotated[str | None, Opt("--image", help="Docker sandbox image.")]
SetupOpt = Annotated[str | None, Opt("--setup", help="Setup command run once in a new sandbox, network on.")]
NetworkOpt = Annotated[bool | None, Opt("--network/--no-network", help="Network in the sandbox while working.")]
KeepSandboxOpt = Annotated[bool | None, Opt("--keep-sandbox", help="Keep the Docker container afterwards.")]

BrokerOpt = Annotated[str | None, Opt("--broker-url", help="Celery broker: redis://HOST:6379/0 or amqp://….")]
