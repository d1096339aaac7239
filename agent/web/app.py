"""The web app's routes: pages (GET) and actions (POST, each checked by the guard)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from agent.config import Settings
from agent.errors import USER_ERRORS
from agent.web import actions
from agent.web.actions import ActionFailed, Launcher
from agent.web.diff import pygments_css
from agent.web.guard import Guard, GuardMiddleware, Refused, first
from agent.web.live import live_updates
from agent.web.pages import FILTERS, events_since, job_view, jobs_rows
from agent.web.review import feedback_text, review_view
from state import JobNotFound, SqlStore

HERE = Path(__file__).resolve().parent
Form = dict[str, list[str]]


class Templates:
    """Jinja2 with autoescape on: every value a page shows is escaped unless a renderer made it Markup."""

    def __init__(self, guard: Guard) -> None:
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, trim_blocks=True)
        self.env.filters["brief"] = brief
        self.env.filters["web_url"] = web_url
        self.guard = guard

    def render(self, name: str, **context: Any) -> str:
        return self.env.get_template(name).render(csrf=self.guard.csrf, signed=self.guard.token is not None, **context)

    def page(self, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.render(name, **context), status_code=status_code)


def brief(args: Any) -> str:
    """A tool call's arguments on one line."""
    return json.dumps(args, ensure_ascii=False, default=str)[:300]


def web_url(url: str) -> str:
    """Only web addresses become links: never a `javascript:` or `data:` one."""
    return url if url.startswith(("https://", "http://")) else "#"


def build_app(settings: Settings, guard: Guard, config: Path | None) -> Starlette:
    store = SqlStore(settings.db_path)
    pages = Templates(guard)
    launcher = Launcher(settings.db_path, config, settings.home / "serve-logs")

    def jobs_page(request: Request) -> Response:
        status = request.query_params.get("status", "all")
        return pages.page("jobs.html", rows=jobs_rows(store, status), status=status, filters=FILTERS)

    def job_page(request: Request) -> Response:
        job = store.job(request.path_params["job"])
        events = events_since(store, job.id, 0)
        return pages.page("job.html", events=events, after=events[-1].id if events else 0, **job_view(store, job))

    def review_page(request: Request) -> Response:
        job = store.job(request.path_params["job"])
        return pages.page("review.html", job=job, **review_view(store, job))

    async def live(request: Request) -> Response:
        job = await run_in_threadpool(store.job, request.path_params["job"])
        stream = live_updates(request, store, job.id, pages.render)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    def login_page(request: Request) -> Response:
        return pages.page("login.html", failed=False)

    async def login(request: Request) -> Response:
        form = await guard.form(request)
        if not guard.token_matches(first(form, "token")):
            return pages.page("login.html", status_code=401, failed=True)
        response = RedirectResponse("/", status_code=303)
        guard.sign_in(response)
        return response

    def css(request: Request) -> Response:
        return Response(pygments_css(), media_type="text/css")

    async def steer(job_id: str, form: Form) -> None:
        await run_in_threadpool(actions.steer, store, job_id, first(form, "message"))

    async def stop(job_id: str, form: Form) -> None:
        await run_in_threadpool(actions.stop, store, job_id)

    async def resume(job_id: str, form: Form) -> None:
        await launcher.start("resume", job_id, "--json")

    async def approve(job_id: str, form: Form) -> None:
        plan = first(form, "plan").strip()
        if not plan or first(form, "edited") != "1":
            await launcher.start("approve", job_id, "--json")
            return
        edit = settings.home / "serve-logs" / f"{job_id}-plan.json"
        edit.parent.mkdir(parents=True, exist_ok=True)
        edit.write_text(plan, encoding="utf-8")
        await launcher.start("approve", job_id, "--edit", str(edit), "--json")

    async def reject(job_id: str, form: Form) -> None:
        await launcher.start("reject", job_id, first(form, "why") or "rejected on the review page")

    async def revise(job_id: str, form: Form) -> None:
        feedback = feedback_text(first(form, "general"), form.get("anchor", []), form.get("comment", []))
        if not feedback:
            raise ActionFailed("no comments: write one on a line of the diff, or in the box for the whole branch")
        await launcher.start("revise", job_id, feedback[: actions.MAX_MESSAGE_CHARS], "--json")

    async def push(job_id: str, form: Form) -> None:
        await launcher.start("push", job_id, *(["--pr"] if first(form, "pr") == "1" else []))

    def action(do: Callable[[str, Form], Awaitable[None]], back: str = "") -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                form = await guard.form(request)
                job = await run_in_threadpool(store.job, request.path_params["job"])
                await do(job.id, form)
            except Refused as exc:
                return pages.page("error.html", status_code=403, message=str(exc))
            except ActionFailed as exc:
                return pages.page("error.html", status_code=400, message=str(exc))
            except USER_ERRORS as exc:
                return pages.page("error.html", status_code=400, message=str(exc))
            return RedirectResponse(f"/jobs/{job.id}{back}", status_code=303)

        return endpoint

    async def user_error(request: Request, exc: Exception) -> Response:
        return pages.page("error.html", status_code=404 if isinstance(exc, JobNotFound) else 400, message=str(exc))

    routes = [
        Route("/", jobs_page),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/static/pygments.css", css),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/jobs/{job}", job_page),
        Route("/jobs/{job}/live", live),
        Route("/jobs/{job}/review", review_page),
        *[
            Route(f"/jobs/{{job}}/{name}", action(do, back), methods=["POST"])
            for name, do, back in (
                ("steer", steer, ""),
                ("stop", stop, ""),
                ("resume", resume, ""),
                ("approve", approve, ""),
                ("reject", reject, ""),
                ("revise", revise, ""),
                ("push", push, "/review"),
            )
        ],
    ]
    handlers: dict[Any, Callable[..., Any]] = {exc: user_error for exc in USER_ERRORS}
    return Starlette(routes=routes, middleware=[Middleware(GuardMiddleware, guard=guard)], exception_handlers=handlers)
