"""Choose by agreement. When no test failed before the work (nothing reproduced the issue), every candidate that
changes the code "passes": the check cannot tell a fix from any edit. Several candidates are then run and the
change most of them made wins (Python compared by its syntax tree: formatting and comments aside), the smallest
among equals; the step says that no failing test verified it. The same holds when the only failing test is the
one the model wrote to reproduce the issue and every candidate fails it: that test may be the wrong one, so the
changes that pass the rest of the check are chosen among the same way."""

from __future__ import annotations

import ast
from collections import Counter
from dataclasses import dataclass

from agent.engine.step.attempt import AttemptResult
from agent.record import Agreement, ChosenCandidate
from agent.repo import Workspace
from sandbox import SandboxCallError
from sandbox.confined import read_text

AGREED = 2
"""Votes that settle it: no further candidate is asked once this many made the same change."""


@dataclass(frozen=True)
class Passed:
    """A candidate whose change passed the check (or its rest, the reproducing test set aside)."""

    state: str
    """The files as it left them (a git tree id)."""
    change: str
    """Its change, normalised: equal for candidates that made the same one."""
    lines: int
    attempt: int
    how: str
    result: AttemptResult
    verified: frozenset[str] = frozenset()
    """The reproducing test's functions it made pass, when that test was set aside."""
    first: bool = False
    """The step's first candidate or a greedy single prompt: what a user of one prompt would take."""


def passed(
    workspace: Workspace,
    attempt: int,
    how: str,
    result: AttemptResult,
    verified: frozenset[str] = frozenset(),
    first: bool = False,
) -> Passed | None:
    """The candidate's change as it stands in the worktree, or None when it changed nothing."""
    changed = sorted(workspace.changed_files())
    if not changed:
        return None
    diff = workspace.diff()
    lines = sum(1 for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    change = "\n".join(f"{path}\n{_normalised(workspace, path)}" for path in changed)
    return Passed(workspace.snapshot(), change, lines, attempt, how, result, verified, first)


def agreed(found: list[Passed]) -> bool:
    return any(votes >= AGREED for votes in Counter(p.change for p in found).values())


NOTHING_FAILED = "no test failed before the work, so no test verified this fix"


def standing(found: list[Passed]) -> list[Passed]:
    """Of changes that the reproducing test failed, those with more behind them than the test against them: some of
    its functions verify it, two candidates made it, or it is what one prompt gives (to either tier's model)."""
    votes = Counter(p.change for p in found)
    return [p for p in found if p.verified or votes[p.change] >= AGREED or p.first]


def best(found: list[Passed]) -> Passed:
    """The change most of the reproducing test verifies, then the one most candidates made, the smallest among
    equals, the earliest among those."""
    votes = Counter(p.change for p in found)
    return min(found, key=lambda p: (-len(p.verified), -votes[p.change], p.lines, p.attempt))


def agreement(found: list[Passed], chosen: Passed, doubt: str) -> Agreement:
    """The record of the choice: every candidate with its votes, and why the chosen one won."""
    votes = Counter(p.change for p in found)
    lead = votes[chosen.change]
    why = f"{doubt}: {lead} of {len(found)} passing candidates made this change" + (
        ", the smallest of those most agreed on" if sum(1 for v in votes.values() if v == lead) > 1 else ""
    )
    return Agreement(
        candidates=[
            ChosenCandidate(attempt=p.attempt, how=p.how, votes=votes[p.change], lines=p.lines, chosen=p is chosen)
            for p in found
        ],
        why=why,
    )


def _normalised(workspace: Workspace, path: str) -> str:
    try:
        text = read_text(workspace.path, path)
    except SandboxCallError:
        return "(removed)"
    if path.endswith(".py"):
        try:
            return ast.dump(ast.parse(text))
        except (SyntaxError, ValueError):
            pass
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
