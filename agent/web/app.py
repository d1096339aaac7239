"""The web app: its pages (GET), its buttons (POST, in `buttons`), the guard around all of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from agent.config import Settings
from agent.errors import USER_ERRORS
from agent.github.client import token_from_env
from agent.queue.placement import on_this_host
from agent.views.timeline import timeline
from agent.web.actions import Launcher
from agent.web.buttons import Buttons
from agent.web.diff import pygments_css
from agent.web.guard import Guard, GuardMiddleware, first
from agent.web.live import live_updates
from agent.web.pages import FILTERS, events_since, job_view, jobs_rows
from agent.web.review import review_view
from agent.web.templates import Templates
from state import JobNotFound, SqlStore

STATIC = Path(__file__).resolve().parent / "static"


@dataclass
class Pages:
    store: SqlStore
    guard: Guard
    pages: Templates
    settings: Settings

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/", self.jobs),
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/static/pygments.css", self.css),
            Route("/favicon.ico", lambda request: Response(status_code=204)),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            Route("/jobs/{job}", self.job),
            Route("/jobs/{job}/live", self.live),
            Route("/jobs/{job}/review", self.review),
        ]

    def jobs(self, request: Request) -> Response:
        status = request.query_params.get("status", "all")
        return self.pages.page("jobs.html", rows=jobs_rows(self.store, status), status=status, filters=FILTERS)

    def job(self, request: Request) -> Response:
        job = self.store.job(request.path_params["job"])
        events = events_since(self.store, job.id, 0)
        after = events[-1].id if events else 0
        return self.pages.page(
            "job.html", events=events, after=after, timeline=timeline(self.store, job.id), **job_view(self.store, job)
        )

    def review(self, request: Request) -> Response:
        job = self.store.job(request.path_params["job"])
        job = on_this_host(self.store, self.settings, job, token_from_env())  # it may have run on another host
        return self.pages.page("review.html", job=job, **review_view(self.store, job))

    async def live(self, request: Request) -> Response:
        job = await run_in_threadpool(self.store.job, request.path_params["job"])
        stream = live_updates(request, self.store, job.id, self.pages.render)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    def login_page(self, request: Request) -> Response:
        return self.pages.page("login.html", failed=False)

    async def login(self, request: Request) -> Response:
        form = await self.guard.form(request)
        if not self.guard.token_matches(first(form, "token")):
            return self.pages.page("login.html", status_code=401, failed=True)
        response = RedirectResponse("/", status_code=303)
        self.guard.sign_in(response)
        return response

    def css(self, request: Request) -> Response:
        return Response(pygments_css(), media_type="text/css")

    async def user_error(self, request: Request, exc: Exception) -> Response:
        code = 404 if isinstance(exc, JobNotFound) else 400
        return self.pages.page("error.html", status_code=code, message=str(exc))


def build_app(settings: Settings, guard: Guard, config: Path | None) -> Starlette:
    store, templates = SqlStore(settings.database), Templates(guard)
    logs = settings.home / "serve-logs"
    pages = Pages(store, guard, templates, settings)
    buttons = Buttons(store, guard, templates, Launcher(settings.database, config, logs), logs)
    handlers: dict[Any, Callable[..., Any]] = {exc: pages.user_error for exc in USER_ERRORS}
    return Starlette(
        routes=[*pages.routes(), *buttons.routes()],
        middleware=[Middleware(GuardMiddleware, guard=guard)],
        exception_handlers=handlers,
    )
