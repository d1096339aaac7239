"""One step: a worker attempt, the orchestrator's own check, then exactly one commit — or a failure report."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial

from agent.engine.context import JobContext
from agent.engine.judge import TestGuard, guarded_check, require_runnable
from agent.engine.step.agreement import NOTHING_FAILED, Passed, agreed, agreement, best, passed, standing
from agent.engine.step.attempt import CHECK_TAIL, AttemptResult
from agent.engine.step.candidate import Brief, StepMemory, raw_files, run_candidate, send_early
from agent.engine.step.candidates import candidates, describe, one_prompt, tier_of
from agent.engine.step.formats import edit_format
from agent.engine.step.formats.single_prompt import issue_as_given
from agent.engine.step.lanes import lanes_for, side_by_side
from agent.engine.step.reproduce import (
    Reproduction,
    asks_for_test,
    failed_tests,
    put_in_place,
    recorded,
    reproduce,
    reproducer,
)
from agent.engine.step.set_aside import LEFT_OUT, ModelTest, judged_without, keep_verifying, written_again
from agent.faults import fault_point
from agent.record import (
    AttemptFinished,
    AttemptOutcome,
    AttemptStarted,
    BudgetUsed,
    Check,
    Escalation,
    FailureReport,
    ModelCall,
    ReportedAttempt,
    ReportedStep,
    Reproduced,
    StepDone,
    WorkspaceRepaired,
    read_events,
)
from sandbox import CommandResult
from state import AttemptStatus, RevisionKind, Step, StepStatus
from state.models import utcnow
from tools.base import truncate_middle

REPORT_DIFF_CHARS = 6000
_NUMBERING = threading.Lock()
"""Attempts started at once in lanes get numbers one after another."""


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
    expected = _expected_head(ctx)
    if step.status == StepStatus.RUNNING.value:
        # Interrupted mid-attempt, maybe mid git command of the model's: refs back first, then its partial
        # edits go; its transcript stays in the record. (A finished attempt put the refs back itself.)
        ctx.workspace.put_back(expected)
        _report_repairs(ctx, step)
        ctx.workspace.discard_changes()
        ctx.store.mark_running_attempts_interrupted(job.id)
    ctx.store.update_step(step.id, status=StepStatus.RUNNING.value, started_at=step.started_at or utcnow())
    # Before the step's first check, which runs what earlier steps wrote: what any command of the step changes in
    # the user's repository is put back after each attempt (and before the commit).
    ctx.workspace.watch_git_dir()
    guard = TestGuard(ctx.workspace, job.base_commit, step.files)
    files = raw_files(ctx, step.files)
    existing = {path: text for path, text in files.items() if text is not None}
    todo = candidates(ctx.settings, step.executor, ctx.specs(), existing)
    sent = _sent_before(ctx, step)
    whole_issue = _whole_issue(ctx, step)
    # Not when another model may write the reproducing test meanwhile: two local servers decoding at once on a CPU
    # slow both (real: a test written in 7-10 s alone took 50 s beside the worker's reply).
    if not whole_issue or reproducer(ctx) is ctx.llm(tier_of(todo[0], step.executor)):
        send_early(ctx, step, todo[0], files, sent)
    before = guarded_check(ctx, step, guard)
    # The issue's own step reproduces it first; a step split from it is checked by the same test.
    reproduction = _reproduced(ctx, step, guard, files, before) if whole_issue else None
    if reproduction or _named_reproduction(ctx, step, guard):
        step = ctx.store.step(step.id)
        before = guarded_check(ctx, step, guard)
    # The model's own test may be wrong: a candidate it fails is judged again without it (see set_aside.py).
    start = ctx.workspace.snapshot()
    model_test = (
        ModelTest(
            reproduction,
            step.check_command.removeprefix(f"{reproduction.command} && "),
            frozenset(failed_tests(before.output)),
            start,
        )
        if reproduction
        else None
    )
    _record_check(ctx, step, before)
    # A usage error here may be a test the step is to add (the plan's check allowed it); a missing runner never is.
    require_runnable(step.check_command, before, f"the check of step {step.title!r}", usage_errors=False)
    memory = StepMemory(judged={start: before}, sent=sent, start=start)
    # The issue itself with nothing failing: the check cannot tell a fix from any edit, so candidates are chosen by
    # agreement. (A planned step whose check passes already, a refactor say, is the planner's call.)
    trial = Trial(step, expected, guard, model_test, before.ok and whole_issue)
    found: list[Passed] = []
    first = last = _tried(ctx, trial, Brief(todo[0], files, before, memory), 0)
    # Leaving the loop stops the candidates still running in lanes, before the step goes on.
    with closing(_the_others(ctx, trial, start, [Brief(c, files, before, memory) for c in todo[1:]], first)) as tries:
        for last in tries:
            found += last.passed
            if last.decided or agreed(found):
                break
    if last.decided:
        if last.lane_state:
            ctx.workspace.restore(last.lane_state)
            _put_back(ctx, step, expected)  # the lanes' checks ran on the shared repository too
        return _done(ctx, step, last.result, guard)
    result = last.result
    if model_test:
        found = standing(found)
    if found:
        return _chosen(ctx, trial, found)
    if trial.by_agreement and result.outcome == AttemptOutcome.PASSED:
        result = AttemptResult("stuck", "nothing failed before the work and no candidate changed the code")
    return StepOutcome(False, _report(ctx, step, result))


@dataclass(frozen=True)
class Trial:
    """What judging a step's candidates needs, wherever each runs."""

    step: Step
    expected: str
    """The job branch's head the step starts from."""
    guard: TestGuard
    model_test: ModelTest | None
    by_agreement: bool
    """Nothing failed before the work: a candidate that passes is one vote, not the answer."""


@dataclass(frozen=True)
class Tried:
    result: AttemptResult
    decided: bool = False
    """It passed a check that tells a fix: the step's answer."""
    passed: list[Passed] = field(default_factory=list)
    """Its change, when it passed (or passed the rest with the model's test set aside): a vote."""
    lane_state: str | None = None
    """The files (a git tree) as the answer left them in its lane, to bring into the job's worktree."""


def _the_others(ctx: JobContext, trial: Trial, start: str, briefs: list[Brief], first: Tried) -> Generator[Tried]:
    """The first candidate's outcome, then the others' as each ends: one after another in the job's worktree, or
    side by side in lanes when the first did not decide the step and the server can decode several at once."""
    yield first
    if first.decided or agreed(first.passed) or not briefs:
        return
    # Only text formats run in lanes: their models run no command, so no git command of theirs is to be undone.
    text = all(edit_format(b.candidate.format).reader(b.files) is not None for b in briefs)
    lanes = lanes_for(ctx, len(briefs)) if text else []
    if lanes:
        work = [partial(_lane_tried, trial=trial, brief=b, index=i) for i, b in enumerate(briefs, 1)]
        with closing(side_by_side(ctx, lanes, start, work)) as results:
            yield from results
        return
    for index, brief in enumerate(briefs, 1):
        ctx.workspace.restore(start)  # each candidate starts where the step started
        yield _tried(ctx, trial, brief, index)


def _lane_tried(ctx: JobContext, trial: Trial, brief: Brief, index: int) -> Tried:
    tried = _tried(ctx, replace(trial, guard=trial.guard.on(ctx.workspace)), brief, index, own_git=False)
    return replace(tried, lane_state=ctx.workspace.snapshot()) if tried.decided else tried


def _tried(ctx: JobContext, trial: Trial, brief: Brief, index: int, own_git: bool = True) -> Tried:
    """One candidate run in `ctx`'s worktree, and judged."""
    step, guard, model_test = trial.step, trial.guard, trial.model_test
    result, number = _run_attempt(ctx, step, trial.expected, guard, brief, own_git)
    if result.outcome == AttemptOutcome.PASSED and not trial.by_agreement:
        return Tried(result, decided=True)
    how = describe(brief.candidate)
    if result.outcome == AttemptOutcome.PASSED:
        voted = passed(ctx.workspace, number, how, result)
        return Tried(result, passed=[voted] if voted else [])
    if model_test and (judged := judged_without(ctx, guard, model_test)):
        rest, verified = judged
        _record_check(ctx, step, rest, "without_reproduction")
        if rest.ok:
            reason = "the check passed without the reproducing test"
            rest_passed = replace(result, outcome="passed", reason=reason, check=rest)
            voted = passed(ctx.workspace, number, how, rest_passed, verified, index == 0 or one_prompt(brief.candidate))
            return Tried(result, passed=[voted] if voted else [])
    return Tried(result)


def _chosen(ctx: JobContext, trial: Trial, found: list[Passed]) -> StepOutcome:
    """The change chosen among those that passed, committed with the doubt recorded for the review; with the
    reproducing test's functions that verify it, when the model's test was set aside."""
    step, guard, test = trial.step, trial.guard, trial.model_test
    chosen = best(found)
    ctx.workspace.restore(chosen.state)
    result, doubt, kept = chosen.result, NOTHING_FAILED, None
    if test:
        guard.unpin(test.reproduction.path)
        if verifying := keep_verifying(ctx, test, chosen.verified) or written_again(ctx, step, test, chosen.state):
            kept, check, doubt = verifying
            result = replace(result, reason="the check passed with the reproducing test kept", check=check)
        else:
            ctx.store.update_step(step.id, check_command=test.rest)
            doubt = LEFT_OUT.format(path=test.reproduction.path)
    ctx.record.emit(agreement(found, chosen, doubt), step_id=step.id)
    if kept:  # after the agreement: the review shows the test as committed
        tries, _ = recorded(ctx, step)
        ctx.record.emit(Reproduced(path=kept.path, test=kept.test, command=kept.command, tries=tries), step_id=step.id)
    _put_back(ctx, step, trial.expected)  # the checks since the last attempt (or in lanes) ran commands too
    return _done(ctx, ctx.store.step(step.id), result, guard)


def _done(ctx: JobContext, step: Step, result: AttemptResult, guard: TestGuard) -> StepOutcome:
    fault_point("step.before_commit")
    _commit(ctx, step, result, guard)
    fault_point("step.done")
    return StepOutcome(True)


def _named_reproduction(ctx: JobContext, step: Step, guard: TestGuard) -> bool:
    """Puts the job's reproducing test in place for a later step whose check runs it; whether it did."""
    kept = [r.event for r in read_events(ctx.store, ctx.job.id, Reproduced) if r.event.path in step.check_command]
    if kept:
        _in_place(ctx, guard, Reproduction(kept[-1].path, kept[-1].test, kept[-1].command))
    return bool(kept)


def _in_place(ctx: JobContext, guard: TestGuard, reproduction: Reproduction) -> None:
    """The reproducing test written as kept, and pinned: no candidate may change it."""
    put_in_place(ctx, reproduction)
    guard.pin(reproduction.path, reproduction.test)


def _whole_issue(ctx: JobContext, step: Step) -> bool:
    """The step made from the issue itself: quick mode's, or the fallback when no plan could work."""
    kinds = {r.number: r.kind for r in ctx.store.revisions(ctx.job.id)}
    return kinds.get(step.revision) in (RevisionKind.QUICK, RevisionKind.FALLBACK)


def _reproduced(
    ctx: JobContext, step: Step, guard: TestGuard, files: dict[str, str | None], before: CommandResult
) -> Reproduction | None:
    """Reproduce first: with nothing failing, or when the issue asks for a test, a test that shows the issue becomes
    the first part of the step's check (once; a resumed step puts its test back). The test, when the check
    changed."""
    tried, kept = recorded(ctx, step)
    # All its tries made and none kept: done; fewer (a crash cut it short): it starts again.
    wanted = before.ok or asks_for_test(issue_as_given(ctx.job))
    if kept is None and (tried >= ctx.settings.reproduce_tries or not wanted):
        return None
    sources = {p: t for p, t in files.items() if t is not None}
    if kept is None and not sources:
        return None
    kept = kept or reproduce(ctx, step, sources, ctx.settings.reproduce_tries)
    if kept is None:
        return None
    _in_place(ctx, guard, kept)
    if not step.check_command.startswith(kept.command):
        ctx.store.update_step(step.id, check_command=f"{kept.command} && {step.check_command}")
    return kept


def _sent_before(ctx: JobContext, step: Step) -> set[str]:
    """The requests already sent for this step by earlier runs of it (before an escalation, before a crash)."""
    calls = read_events(ctx.store, ctx.job.id, ModelCall, step_id=step.id)
    return {c.event.request for c in calls if c.event.request}


def _run_attempt(
    ctx: JobContext, step: Step, expected: str, guard: TestGuard, brief: Brief, own_git: bool = True
) -> tuple[AttemptResult, int]:
    """The attempt's result and number. In a lane (`own_git` off) the job branch is not the worktree's, and the
    candidate is a text format's, which runs no git command to undo."""
    tier = tier_of(brief.candidate, step.executor)
    with _NUMBERING:
        attempt = ctx.store.start_attempt(ctx.job.id, step.id, tier)
    ctx.record.emit(
        AttemptStarted(number=attempt.number, tier=tier, title=step.title, how=describe(brief.candidate)),
        step_id=step.id,
        attempt_id=attempt.id,
    )
    started, result = time.perf_counter(), None
    try:
        result = run_candidate(ctx, step, attempt.id, guard, brief)
    finally:
        if own_git:
            _put_back(ctx, step, expected)
        _save_attempt(ctx, attempt.id, result, time.perf_counter() - started, stoppable=not own_git)
    return result, attempt.number


def _record_check(ctx: JobContext, step: Step, result: CommandResult, trigger: str = "before") -> None:
    ctx.record.emit(
        Check(
            trigger=trigger,
            passed=result.ok,
            exit_code=result.exit_code,
            seconds=round(result.duration, 3),
            output=result.output[-CHECK_TAIL:],
        ),
        step_id=step.id,
    )


def _expected_head(ctx: JobContext) -> str:
    """Where the job branch must be: the commit of the step done last, or the job's base."""
    done = [
        (s.finished_at or s.started_at or datetime.min, s.commit_sha)
        for s in ctx.store.steps(ctx.job.id)
        if s.status == StepStatus.DONE.value and s.commit_sha
    ]
    return max(done, key=lambda d: d[0])[1] if done else ctx.job.base_commit


def _put_back(ctx: JobContext, step: Step, expected: str) -> None:
    """Undo what the step's commands (the model's own git commands, a check's) did to the repository (file edits stay),
    and say so."""
    ctx.workspace.restore_git_dir()
    ctx.workspace.put_back(expected)
    _report_repairs(ctx, step)


def _report_repairs(ctx: JobContext, step: Step) -> None:
    for repair in ctx.workspace.take_repairs():
        ctx.record.emit(WorkspaceRepaired(what=repair), step_id=step.id)


def _save_attempt(
    ctx: JobContext, attempt_id: int, result: AttemptResult | None, seconds: float, stoppable: bool = False
) -> None:
    if result is None:
        ctx.store.finish_attempt(
            attempt_id, status=AttemptStatus.INTERRUPTED.value, reason="stopped before the attempt ended"
        )
        if stoppable:  # a candidate run at once with others: its end is part of the step's story
            reason = "stopped: another candidate decided the step (or the job was stopped)"
            finished = AttemptFinished(
                outcome=AttemptOutcome.STOPPED, reason=reason, turns=0, seconds=round(seconds, 2)
            )
            ctx.record.emit(finished, attempt_id=attempt_id)
        return
    passed = result.outcome == AttemptOutcome.PASSED
    ctx.store.finish_attempt(
        attempt_id,
        status=(AttemptStatus.PASSED if passed else AttemptStatus.FAILED).value,
        reason=result.reason,
        summary=result.summary or "; ".join(result.actions[-3:]),
        hypothesis=result.hypothesis,
        turns=result.turns,
        tokens_in=result.tokens_in,
        tokens_out=result.tokens_out,
        # A passing attempt's diff is its commit; a failed one's is kept here, since the edits are discarded.
        diff=None if passed else truncate_middle(ctx.workspace.diff(), 50_000),
        check_output=result.check.output[-8000:] if result.check else None,
    )
    ctx.record.emit(
        AttemptFinished(
            outcome=AttemptOutcome(result.outcome), reason=result.reason, turns=result.turns, seconds=round(seconds, 2)
        ),
        attempt_id=attempt_id,
    )


def _commit(ctx: JobContext, step: Step, result: AttemptResult, guard: TestGuard) -> None:
    check = result.check
    assert check is not None, "a passed attempt has run its check"
    body = partial(_commit_body, step, check, guard)
    sha, changed = ctx.workspace.commit_step(ctx.job.id, step.id, step.title, body)
    fault_point("step.after_commit")
    ctx.store.update_step(step.id, check_output=check.output[-8000:])
    _mark_done(ctx, step, sha, result.summary or result.reason, guard.out_of_scope(changed))


def _commit_body(step: Step, check: CommandResult, guard: TestGuard, changed: list[str]) -> str:
    outside = guard.out_of_scope(changed)
    return (
        f"{step.instructions.strip()[:600]}\n\nCheck: {step.check_command}\n"
        f"Result: passed (exit code {check.exit_code}, {check.duration:.1f}s)"
        + (f"\nAlso changed, outside the step's files: {', '.join(outside)}" if outside else "")
    )


def _mark_done(ctx: JobContext, step: Step, sha: str, summary: str, out_of_scope: list[str] | None = None) -> None:
    if ctx.keep_branch:
        ctx.keep_branch(sha)
    ctx.store.update_step(step.id, status=StepStatus.DONE.value, commit_sha=sha, result=summary, finished_at=utcnow())
    ctx.record.emit(
        StepDone(title=step.title, commit=sha, summary=summary, out_of_scope=out_of_scope or []), step_id=step.id
    )


def _report(ctx: JobContext, step: Step, result: AttemptResult) -> int:
    """The compact failure report the planner decides on: not the transcript, what was learned."""
    attempts = ctx.store.attempts(ctx.job.id, step.id)
    report = FailureReport(
        step=ReportedStep(
            id=step.id,
            title=step.title,
            instructions=step.instructions,
            check=step.check_command,
            guidance_given=step.guidance,
            executor=step.executor,
        ),
        why=result.reason,
        attempts=[
            ReportedAttempt(number=a.number, tier=a.tier, status=AttemptStatus(a.status), reason=a.reason)
            for a in attempts
        ],
        last_actions=result.actions[-10:],
        last_diff=truncate_middle(attempts[-1].diff or "", REPORT_DIFF_CHARS),  # saved just before
        check_output_tail=result.check.output[-3000:] if result.check else "(the check never ran)",
        worker_hypothesis=result.hypothesis,
        budget_used=BudgetUsed(turns=result.turns, tokens=result.tokens_in + result.tokens_out),
    )
    fault_point("step.before_report")
    report_id = ctx.store.add_failure_report(ctx.job.id, step.id, report.stored())
    ctx.record.emit(Escalation(report_id=report_id, why=result.reason), step_id=step.id)
    return report_id
