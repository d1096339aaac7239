"""One step: a worker attempt, the orchestrator's own check, then exactly one commit — or a failure report."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

from agent.context import JobContext
from agent.faults import fault_point
from agent.planner import agents_md
from agent.prompts import WORKER_SYSTEM, worker_brief
from agent.worker import AttemptResult, Budget, WorkerLoop
from sandbox import SandboxError
from state import Step, StepStatus
from state.models import utcnow
from tools import Toolbox, worker_tools
from tools.base import truncate_middle
from tools.files import numbered

BRIEF_FILE_LINES = 400
REPORT_DIFF_CHARS = 6000


@dataclass(frozen=True)
class StepOutcome:
    done: bool
    report_id: int | None = None


def run_step(ctx: JobContext, step_id: int) -> StepOutcome:
    step, job = ctx.store.step(step_id), ctx.job
    # Only a step that was started can have a commit already (made before a crash).
    if step.started_at and (sha := ctx.workspace.find_step_commit(job.id, step.id, job.base_commit)):
        _mark_done(ctx, step, sha, "its commit was already on the branch")
        return StepOutcome(True)
    if step.status == StepStatus.RUNNING.value:
        # Interrupted mid-attempt: its partial edits go, its transcript stays in the record.
        ctx.workspace.discard_changes()
        ctx.store.mark_running_attempts_interrupted(job.id)
    ctx.store.update_step(step.id, status=StepStatus.RUNNING.value, started_at=step.started_at or utcnow())
    attempt = ctx.store.start_attempt(job.id, step.id, step.executor)
    ctx.record.emit("attempt_started", step_id=step.id, attempt_id=attempt.id, number=attempt.number,
                    tier=step.executor, title=step.title)
    started, result = time.perf_counter(), None
    try:
        result = _attempt(ctx, step, attempt.id)
    finally:
        _save_attempt(ctx, attempt.id, result, time.perf_counter() - started)
    if result.outcome == "passed":
        fault_point("step.before_commit")
        _commit(ctx, step, result)
        fault_point("step.done")
        return StepOutcome(True)
    return StepOutcome(False, _report(ctx, step, result))


def _attempt(ctx: JobContext, step: Step, attempt_id: int) -> AttemptResult:
    s = ctx.settings
    loop = WorkerLoop(
        llm=ctx.llm(step.executor),
        toolbox=Toolbox(worker_tools(ctx.sandbox, s.command_timeout)),
        check=partial(ctx.sandbox.run, step.check_command, s.check_timeout),
        budget=Budget(s.worker_max_turns, s.worker_max_seconds, s.worker_max_tokens),
        emit=partial(ctx.record.emit, step_id=step.id, attempt_id=attempt_id),
        interrupted=ctx.check_cancelled,
        steering=ctx.record.steering,
        check_failures_allowed=s.check_failures_per_attempt,
    )
    plan = ctx.store.steps(ctx.job.id)
    notes = [f"{p.title}: {p.result}" for p in plan if p.status == StepStatus.DONE.value and p.result]
    brief = worker_brief(ctx.job, step, plan, _file_contents(ctx, step.files), agents_md(ctx), notes)
    return loop.run(WORKER_SYSTEM, brief)


def _file_contents(ctx: JobContext, paths: list[str]) -> dict[str, str]:
    """The step's files with line numbers, so the worker's first reply can already be the edit."""
    contents = {}
    for path in paths:
        try:
            text = ctx.reader.read_file(path)
        except SandboxError:
            contents[path] = "(does not exist yet)"
            continue
        total = len(text.splitlines())
        more = f"\n(first {BRIEF_FILE_LINES} of {total} lines; view_file for the rest)" if total > BRIEF_FILE_LINES else ""
        contents[path] = numbered(text, 1, BRIEF_FILE_LINES) + more
    return contents


def _save_attempt(ctx: JobContext, attempt_id: int, result: AttemptResult | None, seconds: float) -> None:
    if result is None:
        ctx.store.finish_attempt(attempt_id, status="interrupted", reason="stopped before the attempt ended")
        return
    passed = result.outcome == "passed"
    ctx.store.finish_attempt(
        attempt_id, status="passed" if passed else "failed", reason=result.reason,
        summary=result.summary or "; ".join(result.actions[-3:]), hypothesis=result.hypothesis, turns=result.turns,
        tokens_in=result.tokens_in, tokens_out=result.tokens_out,
        # A passing attempt's diff is its commit; a failed one's is kept here, since the edits are discarded.
        diff=None if passed else truncate_middle(ctx.workspace.diff(), 50_000),
        check_output=result.check.output[-8000:] if result.check else None)
    ctx.record.emit("attempt_finished", attempt_id=attempt_id, outcome=result.outcome, reason=result.reason,
                    turns=result.turns, seconds=round(seconds, 2))


def _commit(ctx: JobContext, step: Step, result: AttemptResult) -> None:
    check = result.check
    body = (f"{step.instructions.strip()[:600]}\n\nCheck: {step.check_command}\n"
            f"Result: passed (exit code {check.exit_code}, {check.duration:.1f}s)")
    sha = ctx.workspace.commit_step(ctx.job.id, step.id, step.title, body)
    fault_point("step.after_commit")
    ctx.store.update_step(step.id, check_output=check.output[-8000:])
    _mark_done(ctx, step, sha, result.summary or result.reason)


def _mark_done(ctx: JobContext, step: Step, sha: str, summary: str) -> None:
    ctx.store.update_step(step.id, status=StepStatus.DONE.value, commit_sha=sha, result=summary, finished_at=utcnow())
    ctx.record.emit("step_done", step_id=step.id, title=step.title, commit=sha, summary=summary)


def _report(ctx: JobContext, step: Step, result: AttemptResult) -> int:
    """The compact failure report the planner decides on: not the transcript, what was learned."""
    attempts = ctx.store.attempts(ctx.job.id, step.id)
    report = {
        "step": {"id": step.id, "title": step.title, "instructions": step.instructions, "check": step.check_command,
                 "guidance_given": step.guidance, "executor": step.executor},
        "why": result.reason,
        "attempts": [{"number": a.number, "tier": a.tier, "status": a.status, "reason": a.reason} for a in attempts],
        "last_actions": result.actions[-10:],
        "last_diff": truncate_middle(attempts[-1].diff or "", REPORT_DIFF_CHARS),  # saved just before
        "check_output_tail": result.check.output[-3000:] if result.check else "(the check never ran)",
        "worker_hypothesis": result.hypothesis,
        "budget_used": {"turns": result.turns, "tokens": result.tokens_in + result.tokens_out},
    }
    fault_point("step.before_report")
    report_id = ctx.store.add_failure_report(ctx.job.id, step.id, report)
    ctx.record.emit("escalation", step_id=step.id, report_id=report_id, why=result.reason)
    return report_id
