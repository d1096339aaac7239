"""`serve`: the job record in the browser, to watch, steer, approve and review jobs."""

from __future__ import annotations

from typing import Annotated

from agent.cli.options import ConfigOpt, DbOpt, Opt


def serve(
    host: Annotated[
        str, Opt("--host", help="Address to listen on; anything but loopback needs a token.")
    ] = "127.0.0.1",
    port: Annotated[int, Opt("--port", help="Port to listen on.")] = 8421,
    token: Annotated[
        str | None,
        Opt("--token", envvar="SPARKWRIGHT_SERVE_TOKEN", help="Token the page asks for (made up when off loopback)."),
    ] = None,
    config: ConfigOpt = None,
    db: DbOpt = None,
) -> None:
    """Watch, steer, approve and review jobs in the browser: a local web app over the job record."""
    from agent.config import load_settings
    from agent.web.server import serve_web

    settings = load_settings(config, db=db)
    serve_web(settings, host, port, token, config)
