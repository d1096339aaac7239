"""A job's lanes: worktrees beside its own, detached at the job branch's head, each with a sandbox made as the
job's is, where candidates run at once. Made when a step first asks for them, kept for the run's later steps,
removed when the run ends (a killed run's are made anew by the next)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from agent.compose.sandboxes import open_sandbox
from agent.config import Settings
from agent.engine.context import Lane
from agent.models.llm import LOCAL_SERVERS, split_spec
from agent.repo import Workspace
from state import Job, SqlStore

SLOTS_SECONDS = 1.0


class JobLanes:
    def __init__(self, settings: Settings, store: SqlStore, job: Job, workspace: Workspace) -> None:
        self.settings, self.store, self.job, self.workspace = settings, store, job, workspace
        self._lanes: list[Lane] = []
        self._stack = ExitStack()
        self._at_once: int | None = None

    def take(self, count: int) -> list[Lane]:
        if self._at_once is None:
            self._at_once = parallel_candidates(self.settings)
        count = min(count, self._at_once) if self._at_once > 1 else 0
        while len(self._lanes) < count:
            number = len(self._lanes) + 1
            repo, main = Path(self.job.repo_path), Path(self.job.worktree_path)
            path = main.with_name(f"{main.name}.lane{number}")
            lane = Workspace.lane(repo, path, self.job.branch, self.job.base_commit)
            self._stack.callback(Workspace.remove_lane, repo, lane.path)
            name = f"{self.job.id}-lane{number}"
            sandbox = self._stack.enter_context(
                open_sandbox(self.settings, self.store, self.job, lane, lambda _: None, name)
            )
            self._lanes.append(Lane(lane, sandbox))
        return self._lanes[:count]

    def __enter__(self) -> JobLanes:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


def parallel_candidates(settings: Settings) -> int:
    """Candidates a step runs at once: as configured, else as many as the fast model's local server has slots
    (llama.cpp's /props says), else one."""
    if settings.parallel_candidates:
        return settings.parallel_candidates
    spec, url = settings.fast_model or "", settings.fast_base_url or settings.base_url
    if not spec or split_spec(spec)[0] not in LOCAL_SERVERS:
        return 1
    return server_slots(url or LOCAL_SERVERS[split_spec(spec)[0]] or "") or 1


def server_slots(base_url: str) -> int | None:
    """The slots a llama.cpp server decodes at once (its /props), or None when it does not say."""
    parts = urlsplit(base_url)
    if not parts.scheme or not parts.netloc:
        return None
    try:
        # Straight to the server, like the model's own requests to a local one.
        body = httpx.get(f"{parts.scheme}://{parts.netloc}/props", timeout=SLOTS_SECONDS, trust_env=False).json()
        slots = body.get("total_slots")
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return slots if isinstance(slots, int) and 0 < slots <= 64 else None
