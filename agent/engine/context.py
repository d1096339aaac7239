"""What graph nodes need, handed in by the composition root through LangGraph's runtime context."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.config import Settings
from agent.engine.recorder import Recorder
from agent.errors import Interruption
from agent.models.llm import LLM
from agent.repo import Workspace
from sandbox import Sandbox
from sandbox.confined import WorkspaceView
from state import Job, SqlStore


class JobCancelled(Interruption):
    """The user asked the job to stop (Ctrl-C); state is saved and the job can be resumed."""


@dataclass
class JobContext:
    store: SqlStore
    settings: Settings
    job: Job
    workspace: Workspace
    sandbox: Sandbox
    """Where the worker's commands and checks run."""
    reader: WorkspaceView
    """Read-only look at the same worktree on the host, for the planner: it runs nothing and never waits
    for a container."""
    deep: LLM
    fast: LLM
    record: Recorder
    cancel: threading.Event = field(default_factory=threading.Event)
    keep_branch: Callable[[str], None] | None = None
    """Called with the branch's new head after each step commit, before the step is recorded done: a queued
    job keeps its branch in the record so that another host can carry on from it."""

    def check_cancelled(self) -> None:
        if self.cancel.is_set():
            raise JobCancelled("stopped by the user")

    def llm(self, tier: str) -> LLM:
        return self.deep if tier == "deep" else self.fast
