"""Rendering pages: Jinja2 with autoescape on, so every value a page shows is escaped unless a renderer
made it Markup (only the diff's Pygments output is)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.responses import HTMLResponse

from agent.web.guard import Guard

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Templates:
    def __init__(self, guard: Guard) -> None:
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True)
        self.env.filters["brief"] = brief
        self.env.filters["web_url"] = web_url
        self.guard = guard

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(csrf=self.guard.csrf, **context)

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(name, **context), status_code=status_code)


def brief(args: Any) -> str:
    """A tool call's arguments on one line."""
    return json.dumps(args, ensure_ascii=False, default=str)[:300]


def web_url(url: str) -> str:
    """Only web addresses become links: never a `javascript:` or `data:` one."""
    return url if url.startswith(("https://", "http://")) else "#"
