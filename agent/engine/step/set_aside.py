"""A reproducing test the model wrote can be wrong (it expects `25.4` from a float sum, or an error for a valid
range). A candidate it fails is judged again by the rest of the step's check, with the test set aside. If every
candidate fails it, the change agreement chooses among those is committed with the test's own functions that the
change makes pass (they failed before it: they verify it); when none does, the model writes the test again with
the chosen fix to read, and it is kept only when it fails without the fix and passes with it (the user still gets
the regression test the issue may ask for); else the change goes without a test. The doubt is said each way."""

from __future__ import annotations

from dataclasses import dataclass

from agent.engine.context import JobContext
from agent.engine.judge import TestGuard
from agent.engine.step.candidate import raw_files
from agent.engine.step.reproduce import (
    Reproduction,
    failed_tests,
    narrowed,
    put_in_place,
    recorded,
    rewritten,
    wrong_for_issue,
)
from agent.record import ReproductionTried
from sandbox import CommandResult
from sandbox.confined import remove, write_text
from state import Step

LEFT_OUT = (
    "the test written to reproduce the issue ({path}) failed every candidate, so it was left out as possibly wrong "
    "and no test verified this fix"
)
PARTLY = (
    "{dropped} of the {tests} tests written to reproduce the issue failed every candidate and were left out as "
    "possibly wrong; the other {kept} verify this fix"
)
REWRITTEN = (
    "the test written to reproduce the issue failed every candidate, so it was written again once this fix was "
    "chosen: it fails without the fix and passes with it, but it was written knowing the fix, so no test written "
    "before the fix verified it"
)


@dataclass(frozen=True)
class ModelTest:
    """The step's reproducing test, and what judging without it needs."""

    reproduction: Reproduction
    rest: str
    """The step's check without the test."""
    failing: frozenset[str]
    """Its test functions that failed before the work (node ids)."""
    start: str
    """The files as the step started, the test in place (a git tree id)."""


def judged_without(ctx: JobContext, guard: TestGuard, test: ModelTest) -> tuple[CommandResult, frozenset[str]] | None:
    """The rest of the check on a candidate's change that the test failed, with the test set aside (the next
    candidate starts from the step's start, where it is), and the test's functions the change made pass; None when
    it changed nothing."""
    guard.put_back()
    if not set(ctx.workspace.changed_files()) - {test.reproduction.path}:
        return None
    ran = ctx.sandbox.run(test.reproduction.command, ctx.settings.check_timeout)
    made_pass = test.failing - failed_tests(ran.output) if ran.exit_code in (0, 1) else frozenset()
    remove(ctx.workspace.path, test.reproduction.path)
    rest = ctx.sandbox.run(test.rest, ctx.settings.check_timeout)
    return rest, frozenset(made_pass)


def keep_verifying(
    ctx: JobContext, test: ModelTest, verified: frozenset[str]
) -> tuple[Reproduction, CommandResult, str] | None:
    """The test narrowed to the functions the chosen change (in the worktree) makes pass, put in place, and the
    whole check passing with it; with the doubt to record. None when nothing is left or the check fails."""
    kept = narrowed(test.reproduction, set(verified))
    if kept is None:
        return None
    put_in_place(ctx, kept)
    check = ctx.sandbox.run(f"{kept.command} && {test.rest}", ctx.settings.check_timeout)
    if not check.ok:
        remove(ctx.workspace.path, kept.path)
        return None
    doubt = PARTLY.format(dropped=len(test.failing - verified), tests=len(test.failing), kept=len(verified))
    return kept, check, doubt


def written_again(
    ctx: JobContext, step: Step, test: ModelTest, chosen: str
) -> tuple[Reproduction, CommandResult, str] | None:
    """The test written again by the model with the chosen change (`chosen`, in the worktree) to read; kept only
    when it fails on the code without the change by the bug, and the whole check passes with it."""
    path, command = test.reproduction.path, test.reproduction.command
    write_text(ctx.workspace.path, path, test.reproduction.test)
    old = ctx.sandbox.run(command, ctx.settings.check_timeout)
    sources = {p: t for p, t in raw_files(ctx, step.files).items() if t is not None}
    number = recorded(ctx, step)[0] + 1
    new = rewritten(ctx, step, sources, test.reproduction.test, old.output)
    why = "the reply held no test file that parses" if new is None else None
    if new is not None:
        ctx.workspace.restore(test.start)  # the code without the change
        remove(ctx.workspace.path, path)
        write_text(ctx.workspace.path, path, new)
        why = wrong_for_issue(ctx, ctx.sandbox.run(command, ctx.settings.check_timeout))
    ctx.workspace.restore(chosen)
    check = None
    if new is not None and why is None:
        put_in_place(ctx, Reproduction(path, new, command))
        check = ctx.sandbox.run(f"{command} && {test.rest}", ctx.settings.check_timeout)
        why = None if check.ok else "it fails with the fix too"
    if why or new is None or check is None:
        remove(ctx.workspace.path, path)
        ctx.record.emit(ReproductionTried(number=number, kept=False, why=f"written again: {why}"), step_id=step.id)
        return None
    held = "written again: it fails without the fix and passes with it"
    ctx.record.emit(ReproductionTried(number=number, kept=True, why=held), step_id=step.id)
    return Reproduction(path, new, command), check, REWRITTEN
