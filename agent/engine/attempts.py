"""How one attempt at a step is set up: its candidate's prompt and brief, its tools, and the guarded check."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from agent.config import Candidate
from agent.engine.candidates import RETRY_HINTS, text_format
from agent.engine.context import JobContext
from agent.engine.feedback import failing_part
from agent.engine.loop import Budget
from agent.engine.planner import agents_md
from agent.engine.prompts import TEXT_EDIT_SYSTEM, attempt_system, text_edit_brief, worker_brief
from agent.engine.test_guard import TestGuard
from agent.engine.worker import AttemptResult, StepAttempt
from agent.record import TestsRestored
from sandbox import CommandResult, SandboxCallError
from state import Step, StepStatus
from tools import Toolbox, worker_tools
from tools.files import numbered

BRIEF_FILE_LINES = 400


@dataclass(frozen=True)
class Brief:
    """What one attempt starts from: its candidate, the step's files and the check as it ran before."""

    candidate: Candidate
    files: dict[str, str | None]
    before: CommandResult


def guarded_check(ctx: JobContext, step: Step, guard: TestGuard) -> CommandResult:
    """The step's check, on the test files as the plan allows them to be."""
    restored = guard.put_back()
    result = ctx.sandbox.run(step.check_command, ctx.settings.check_timeout)
    if not restored:
        return result
    ctx.record.emit(TestsRestored(paths=restored), step_id=step.id)
    note = (
        f"[sparkwright put back {', '.join(restored)} before the check: tests that existed before this job "
        "change only in a step whose plan names them; if a test itself is wrong, call stuck and say why]\n"
    )
    return replace(result, output=note + result.output)


def run_candidate(ctx: JobContext, step: Step, attempt_id: int, guard: TestGuard, brief: Brief) -> AttemptResult:
    s, candidate = ctx.settings, brief.candidate
    text = text_format(candidate, brief.files)
    failure = _failure(step, brief.before) if candidate.failure_in_brief or brief.before.ok else None
    if text is not None:
        system = TEXT_EDIT_SYSTEM[candidate.format]
        opening = text_edit_brief(
            ctx.job, step, {p: t or "" for p, t in brief.files.items()}, failure, candidate.format
        )
        tries, turns = s.text_edit_tries, min(s.worker_max_turns, s.text_edit_tries + 2)
    else:
        plan = ctx.store.steps(ctx.job.id)
        notes = [f"{p.title}: {p.result}" for p in plan if p.status == StepStatus.DONE.value and p.result]
        system = attempt_system(step.executor)
        opening = worker_brief(ctx.job, step, plan, _file_contents(brief.files), agents_md(ctx), notes, failure)
        tries, turns = s.check_failures_per_attempt, s.worker_max_turns
    attempt = StepAttempt(
        llm=ctx.llm(step.executor),
        toolbox=Toolbox(worker_tools(ctx.sandbox, s.command_timeout, guard.may_edit)),
        check=partial(guarded_check, ctx, step, guard),
        budget=Budget(turns, s.worker_max_seconds, s.worker_max_tokens),
        emit=partial(ctx.record.emit, step_id=step.id, attempt_id=attempt_id),
        interrupted=ctx.check_cancelled,
        steering=ctx.record.steering,
        check_failures_allowed=tries,
        baseline=brief.before,
        files=ctx.workspace,
        text_format=text,
        temperature=candidate.temperature,
        retry_hint=RETRY_HINTS.get(candidate.format, ""),
    )
    return attempt.run(system, opening)


def _failure(step: Step, before: CommandResult) -> str:
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


def _file_contents(files: dict[str, str | None]) -> dict[str, str]:
    """The step's files with line numbers, so the worker's first reply can already be the edit."""
    contents = {}
    for path, text in files.items():
        if text is None:
            contents[path] = "(does not exist yet)"
            continue
        total = len(text.splitlines())
        more = (
            f"\n(first {BRIEF_FILE_LINES} of {total} lines; view_file for the rest)" if total > BRIEF_FILE_LINES else ""
        )
        contents[path] = numbered(text, 1, BRIEF_FILE_LINES) + more
    return contents
