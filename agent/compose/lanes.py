"""A job's lanes: worktrees beside its own, detached at the job branch's head, each with a sandbox made as the
job's is, where candidates run at once. Made when a step first asks for them, kept for the run's later steps,
removed when the run ends (a killed run's are made anew by the next). As many as `parallel_candidates`."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from agent.compose.sandboxes import open_sandbox
from agent.config import Settings
from agent.engine.context import Lane
from agent.repo import Workspace
from state import Job, SqlStore


class JobLanes:
    def __init__(self, settings: Settings, store: SqlStore, job: Job) -> None:
        self.settings, self.store, self.job = settings, store, job
        self._lanes: list[Lane] = []
        self._stack = ExitStack()

    def take(self, count: int) -> list[Lane]:
        at_once = self.settings.parallel_candidates
        count = min(count, at_once) if at_once > 1 else 0
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
