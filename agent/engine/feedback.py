"""What a check's output teaches: the failing part of it, and whether an edit made things better or worse."""

from __future__ import annotations

import re

from sandbox import CommandResult
from tools.base import truncate_middle

_COUNT = re.compile(r"(\d+) (failed|passed|errors?)\b")
_SECTION = re.compile(r"^=+ (FAILURES|ERRORS|short test summary info) =+$", re.MULTILINE)
NO_SUMMARY = 10**6


def failing_part(output: str, limit: int = 3000) -> str:
    """pytest's failure and error sections when it printed them, else the output's tail: what the model needs."""
    section = _SECTION.search(output)
    part = output[section.start() :] if section else output[-limit:]
    return truncate_middle(part.strip(), limit)


def distance(result: CommandResult) -> int:
    """How far a check is from passing, comparable between runs of the same check: 0 when it passes; a test
    that cannot even run (an error: import, syntax, collection) counts far more than one that fails."""
    if result.ok:
        return 0
    counts: dict[str, int] = {}
    for number, word in _COUNT.findall(result.output[-2000:]):
        counts[word.rstrip("s")] = int(number)
    if not counts or result.timed_out:
        return NO_SUMMARY
    return counts.get("error", 0) * 1000 + counts.get("failed", 0) or NO_SUMMARY


def worse(now: CommandResult, before: CommandResult) -> bool:
    return distance(now) > distance(before)
