"""One candidate at a step, set up: its format's prompt and brief, the worker's tools, the guarded check."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from agent.config import Candidate
from agent.engine.context import JobContext
from agent.engine.conversation.loop import Budget, opening
from agent.engine.judge import TestGuard, failing_part, guarded_check
from agent.engine.step.attempt import AttemptResult, StepAttempt
from agent.engine.step.candidates import tier_of
from agent.engine.step.formats import edit_format
from agent.models.llm import request_digest
from sandbox import CommandResult, SandboxCallError
from state import Step
from tools import Toolbox, worker_tools


@dataclass(frozen=True)
class StepMemory:
    """What a step's attempts share so that none is wasted on what another already learned."""

    judged: dict[str, CommandResult]
    """The check's verdict on each state of the files it judged (git tree ids), the step's start among them."""
    sent: set[str]
    """Digests of the greedy requests already sent for the step, in this run and earlier ones."""
    start: str | None = None
    """The files' state (a git tree) the step starts from, and so each of its candidates."""


@dataclass(frozen=True)
class Brief:
    """What one attempt starts from: its candidate, the step's files and the check as it ran before."""

    candidate: Candidate
    files: dict[str, str | None]
    before: CommandResult
    memory: StepMemory


def run_candidate(ctx: JobContext, step: Step, attempt_id: int, guard: TestGuard, brief: Brief) -> AttemptResult:
    s, candidate = ctx.settings, brief.candidate
    form = edit_format(candidate.format)
    failure = _failure(brief.before) if candidate.failure_in_brief or brief.before.ok else None
    tries, turns = form.limits(s)
    tier = tier_of(candidate, step.executor)
    llm = ctx.llm(tier)
    attempt = StepAttempt(
        llm=llm,
        toolbox=Toolbox(worker_tools(ctx.sandbox, s.command_timeout, guard.may_edit)),
        check=partial(guarded_check, ctx, step, guard),
        budget=Budget(turns, s.worker_max_seconds, s.worker_max_tokens),
        emit=partial(ctx.record.emit, step_id=step.id, attempt_id=attempt_id),
        interrupted=ctx.check_cancelled,
        steering=ctx.record.steering,
        check_failures_allowed=tries,
        baseline=brief.before,
        files=ctx.workspace,
        text_format=form.reader(brief.files),
        temperature=candidate.temperature,
        retry_hint=form.retry_hint,
        nudge=form.nudge,
        judged=brief.memory.judged,
        start=brief.memory.start,
        sent=brief.memory.sent,
        max_reply_tokens=llm.reply_cap(brief.files.values()),
    )
    return attempt.run(form.system(tier), form.brief(ctx, step, brief.files, failure))


def send_early(ctx: JobContext, step: Step, candidate: Candidate, files: dict[str, str | None], sent: set[str]) -> None:
    """The candidate's opening request sent now, when it does not show the check (the single prompt's): the model
    works while the step's first check runs, and the attempt takes the reply when it asks exactly that."""
    form = edit_format(candidate.format)
    if form.shows_check or form.reader(files) is None:
        return
    tier = tier_of(candidate, step.executor)
    llm = ctx.llm(tier)
    messages = opening(form.system(tier), form.brief(ctx, step, files, None))
    if candidate.temperature == 0 and request_digest(llm.spec, messages, [], 0) in sent:
        return  # sent before this run (a resumed step): the attempt asks another way
    llm.send_early(messages, [], candidate.temperature, llm.reply_cap(files.values()))


def _failure(before: CommandResult) -> str:
    if before.ok:
        return "(it passes already: it does not test what the issue describes; make the change the issue asks for)"
    return failing_part(before.output)


def raw_files(ctx: JobContext, paths: list[str]) -> dict[str, str | None]:
    """The step's files as they are (None for one that does not exist yet)."""
    contents: dict[str, str | None] = {}
    for path in paths:
        try:
            contents[path] = ctx.reader.read_file(path)
        except SandboxCallError:
            contents[path] = None
    return contents
