"""The page's buttons: each a POST the guard checked, then one action on one job, then back to its page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agent.errors import USER_ERRORS
from agent.web import actions
from agent.web.actions import ActionFailed, Launcher
from agent.web.guard import Guard, Refused, first
from agent.web.review import feedback_text
from agent.web.templates import Templates
from state import SqlStore

Form = dict[str, list[str]]
Action = Callable[[str, Form], Awaitable[None]]


@dataclass
class Buttons:
    store: SqlStore
    guard: Guard
    pages: Templates
    launcher: Launcher
    drafts: Path
    """Where an edited plan is written for `approve --edit`."""

    def routes(self) -> list[Route]:
        done: list[tuple[str, Action, str]] = [
            ("steer", self.steer, ""),
            ("stop", self.stop, ""),
            ("resume", self.resume, ""),
            ("approve", self.approve, ""),
            ("reject", self.reject, ""),
            ("revise", self.revise, ""),
            ("push", self.push, "/review"),
        ]
        return [Route(f"/jobs/{{job}}/{name}", self.endpoint(do, back), methods=["POST"]) for name, do, back in done]

    def endpoint(self, do: Action, back: str) -> Callable[[Request], Awaitable[Response]]:
        async def answer(request: Request) -> Response:
            try:
                form = await self.guard.form(request)
                job = await run_in_threadpool(self.store.job, request.path_params["job"])
                await do(job.id, form)
            except Refused as exc:
                return self.pages.page("error.html", status_code=403, message=str(exc))
            except ActionFailed as exc:
                return self.pages.page("error.html", status_code=400, message=str(exc))
            except USER_ERRORS as exc:
                return self.pages.page("error.html", status_code=400, message=str(exc))
            return RedirectResponse(f"/jobs/{job.id}{back}", status_code=303)

        return answer

    async def steer(self, job_id: str, form: Form) -> None:
        await run_in_threadpool(actions.steer, self.store, job_id, first(form, "message"))

    async def stop(self, job_id: str, form: Form) -> None:
        await run_in_threadpool(actions.stop, self.store, job_id)

    async def resume(self, job_id: str, form: Form) -> None:
        await self.launcher.start("resume", job_id, "--json")

    async def approve(self, job_id: str, form: Form) -> None:
        plan = first(form, "plan").strip()
        if not plan or first(form, "edited") != "1":
            await self.launcher.start("approve", job_id, "--json")
            return
        self.drafts.mkdir(parents=True, exist_ok=True)
        edit = self.drafts / f"{job_id}-plan.json"
        edit.write_text(plan, encoding="utf-8")
        await self.launcher.start("approve", job_id, "--edit", str(edit), "--json")

    async def reject(self, job_id: str, form: Form) -> None:
        await self.launcher.start("reject", job_id, first(form, "why") or "rejected on the job page")

    async def revise(self, job_id: str, form: Form) -> None:
        feedback = feedback_text(first(form, "general"), form.get("anchor", []), form.get("comment", []))
        if not feedback:
            raise ActionFailed("no comments: write one on a line of the diff, or in the box for the whole branch")
        await self.launcher.start("revise", job_id, feedback[: actions.MAX_MESSAGE_CHARS], "--json")

    async def push(self, job_id: str, form: Form) -> None:
        await self.launcher.start("push", job_id, *(["--pr"] if first(form, "pr") == "1" else []))
