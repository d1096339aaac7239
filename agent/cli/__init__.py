"""sparkwright's command line. With `agent.compose` it is the one place that builds concrete objects and wires
them together. Each command group is a module of its own (`jobs`, `control`, `inspection`, `queue`, `serve`),
their shared options are in `options`; here is the app, the one way errors reach the user, and the list of
commands in the order `--help` shows them.

A command imports what it runs inside its body: `--help`, and each command, start without loading the engine,
the queue, the web server or the record's database (tests/test_cli_startup.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import typer

from agent.cli import control, inspection, jobs, queue, serve

COMMANDS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("run", jobs.run),
    ("resume", jobs.resume),
    ("jobs", inspection.jobs),
    ("show", inspection.show),
    ("steer", control.steer),
    ("push", inspection.push),
    ("review", inspection.review),
    ("revise", jobs.revise),
    ("approve", jobs.approve),
    ("reject", control.reject_plan),
    ("serve", serve.serve),
    ("submit", queue.submit),
    ("worker", queue.worker),
    ("stop", control.stop),
)


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """User errors become one line on stderr and exit code 2; bugs keep their traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from agent.errors import USER_ERRORS
        from agent.views.terminal import err, markup_safe

        try:
            return command(*args, **kwargs)
        except USER_ERRORS as exc:
            err.print(f"[red]error:[/red] {markup_safe(exc)}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def make_app() -> typer.Typer:
    app = typer.Typer(
        no_args_is_help=True, add_completion=False, help="An autonomous coding agent: deep planner, fast worker."
    )
    for name, command in COMMANDS:
        app.command(name=name)(friendly(command))
    return app


app = make_app()


def main() -> None:
    from agent import heap

    heap.hold()
    try:
        app()
    finally:
        heap.leave()
