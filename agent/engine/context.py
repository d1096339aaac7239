"""What graph nodes need, handed in by the composition root through LangGraph's runtime context."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from agent.config import Settings
from agent.errors import Interruption
from agent.models.llm import LLM
from agent.record import EventModel
from agent.repo import Workspace
from sandbox import Sandbox, SandboxCallError
from sandbox.confined import WorkspaceView
from state import Job, SqlStore


class JobCancelled(Interruption):
    """The user asked the job to stop (Ctrl-C); state is saved and the job can be resumed."""


class JobRecord(Protocol):
    """Where the job's events go and its steering comes from (the composition root's `Recorder`)."""

    def emit(
        self, event: EventModel | str, step_id: int | None = None, attempt_id: int | None = None, **fields: Any
    ) -> None: ...

    def steering(self) -> list[str]: ...

    def flush(self) -> None:
        """Block until everything emitted so far is stored (what a resumed job must find)."""


@dataclass(frozen=True)
class Lane:
    """A copy of the job's worktree (sharing the repository's objects, so a state of the files is the same git
    tree in both) with its own sandbox: where one candidate runs beside others."""

    workspace: Workspace
    sandbox: Sandbox


class Lanes(Protocol):
    """The job's lanes, made when first asked for and kept for its later steps (the composition root's)."""

    def take(self, count: int) -> list[Lane]:
        """Up to `count` lanes (as many as candidates may run at once: none when only one may)."""


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
    record: JobRecord
    cancel: threading.Event = field(default_factory=threading.Event)
    keep_branch: Callable[[str], None] | None = None
    """Called with the branch's new head after each step commit, before the step is recorded done: a queued
    job keeps its branch in the record so that another host can carry on from it."""
    lanes: Lanes | None = None
    """Where a step's candidates run at once; none (or none given): one after another, in the worktree itself."""

    def check_cancelled(self) -> None:
        if self.cancel.is_set():
            raise JobCancelled("stopped by the user")

    def agents_md(self) -> str | None:
        """The repository's own instructions for agents, when it has them."""
        try:
            return self.reader.read_file("AGENTS.md")
        except SandboxCallError:
            return None

    def llm(self, tier: str) -> LLM:
        return self.deep if tier == "deep" else self.fast

    def specs(self) -> dict[str, str]:
        """Each tier's model, as `provider:model`."""
        return {"fast": self.fast.spec, "deep": self.deep.spec}
