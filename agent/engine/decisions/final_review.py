"""After the last step: the full test run, then the deep model's review of the whole diff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.engine.context import JobContext
from agent.engine.conversation.control import ADD_STEPS, FINISH_JOB, AddStepsArgs, FinishJobArgs, specs
from agent.engine.conversation.deliberate import DeliberationFailed, deliberate
from agent.faults import fault_point
from agent.issue import issue_block
from agent.record import Agreement, Review, ReviewDecision, TestRun, read_events
from state import Job, PlanChange, RevisionKind, Step, StepStatus
from tools.base import truncate_middle

REVIEW_DIFF_CHARS = 30_000
REVIEW_SYSTEM = """You are sparkwright's planner doing the final review. Compare the whole diff with the issue and
read the full test run. Call finish_job if the issue is resolved (note anything uncertain), or add_steps with
follow-up steps if something is missing or broken. Keep tests that the job added or changed."""
QUICK_UNREVIEWED = "quick mode: the full test run passed, so the planner did not review the diff"


@dataclass(frozen=True)
class Reviewed:
    """What the graph routes on after a final review."""

    more_steps: bool
    tests_passed: bool


def final_review(ctx: JobContext, rounds_done: int) -> Reviewed:
    command = ctx.store.job(ctx.job.id).test_command or ctx.settings.test_command
    if not command:
        ctx.record.emit(TestRun(command=None, passed=False, output="no test command was planned or configured"))
        return Reviewed(False, False)
    ctx.check_cancelled()
    fault_point("review.before_tests")
    result = ctx.sandbox.run(command, ctx.settings.check_timeout)
    fault_point("review.after_tests")
    ctx.record.emit(
        TestRun(
            command=command,
            passed=result.ok,
            exit_code=result.exit_code,
            seconds=round(result.duration, 2),
            output=result.output[-8000:],
        )
    )
    if result.ok and _quick(ctx):
        _finish_unreviewed(ctx, QUICK_UNREVIEWED)
        return Reviewed(False, True)
    if rounds_done >= ctx.settings.max_review_rounds:
        return Reviewed(False, result.ok)
    if _follow_ups_recorded(ctx) > rounds_done:  # this round's steps were added before a crash
        return Reviewed(True, result.ok)
    diff = truncate_middle(ctx.workspace.diff(ctx.job.base_commit), REVIEW_DIFF_CHARS)
    brief = review_brief(
        ctx.job, ctx.store.steps(ctx.job.id), diff, command, truncate_middle(result.output, 8000), result.ok
    )
    try:
        name, args = deliberate(ctx, REVIEW_SYSTEM, brief, [FINISH_JOB, ADD_STEPS], "review")
    except DeliberationFailed as exc:  # the test run's verdict stands; the missing review is said
        _finish_unreviewed(ctx, f"{exc}, so nobody reviewed the diff")
        return Reviewed(False, result.ok)
    if isinstance(args, AddStepsArgs):
        ctx.store.revise_plan(ctx.job.id, PlanChange(RevisionKind.REVIEW, args.reason, specs(args.steps)))
        fault_point("review.steps_added")
        added = [s.title for s in args.steps]
        ctx.record.emit(Review(decision=ReviewDecision.ADD_STEPS, reason=args.reason, steps=added))
        return Reviewed(True, result.ok)
    assert isinstance(args, FinishJobArgs)
    doubts = [*args.uncertainties, *_unverified(ctx)]
    ctx.store.update_job(ctx.job.id, summary=args.summary, uncertainties=doubts)
    ctx.record.emit(Review(decision=ReviewDecision.FINISH, summary=args.summary, uncertainties=doubts))
    return Reviewed(False, result.ok)


def _quick(ctx: JobContext) -> bool:
    revisions = ctx.store.revisions(ctx.job.id)
    return bool(revisions) and revisions[0].kind == RevisionKind.QUICK


def _finish_unreviewed(ctx: JobContext, why: str) -> None:
    """Quick mode trusts a passing full test run (no planner call); a review that reached no decision is said."""
    done = [s.result for s in ctx.store.steps(ctx.job.id) if s.status == StepStatus.DONE.value and s.result]
    summary = "; ".join(done) or "the full test run passes"
    doubts = [why, *_unverified(ctx)]
    ctx.store.update_job(ctx.job.id, summary=summary, uncertainties=doubts)
    ctx.record.emit(Review(decision=ReviewDecision.FINISH, summary=summary, uncertainties=doubts))


def _unverified(ctx: JobContext) -> list[str]:
    """Steps whose fix no failing test verified (chosen by agreement): a reviewer must know."""
    titles = {s.id: s.title for s in ctx.store.steps(ctx.job.id)}
    return [
        f"step {titles.get(r.step_id or 0, r.step_id)!r}: {r.event.why}"
        for r in read_events(ctx.store, ctx.job.id, Agreement)
    ]


def _follow_ups_recorded(ctx: JobContext) -> int:
    """Follow-up step revisions of the current round (since the last reviewer feedback, if any)."""
    kinds = [r.kind for r in ctx.store.revisions(ctx.job.id)]
    feedback = RevisionKind.FEEDBACK
    since = len(kinds) - kinds[::-1].index(feedback) if feedback in kinds else 0
    return kinds[since:].count(RevisionKind.REVIEW)


def review_brief(job: Job, plan: Sequence[Step], diff: str, test_command: str, test_output: str, passed: bool) -> str:
    outline = "\n".join(f"- [{s.status}] {s.title}" for s in plan)
    verdict = "PASSED" if passed else "FAILED"
    return (
        f"## Final review\n\n## Issue\n{issue_block(job)}\n\n## Plan\n{outline}\n\n## Diff against the base\n{diff}\n\n"
        f"## Full test run `{test_command}`: {verdict}\n{test_output}"
    )
