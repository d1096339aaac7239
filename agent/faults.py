"""Deterministic fault injection for the crash tests: SPARKWRIGHT_FAULT=NAME[:N][@MS] SIGKILLs this
process the Nth time (default 1st) execution reaches point NAME, MS milliseconds later if given."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

_reached: Counter[str] = Counter()


def fault_point(name: str) -> None:
    spec = os.environ.get("SPARKWRIGHT_FAULT")
    if not spec:
        return
    _reached[name] += 1
    target, _, delay = spec.partition("@")
    point, _, nth = target.partition(":")
    if point != name or _reached[name] != int(nth or 1):
        return
    if delay:
        threading.Timer(int(delay) / 1000, _die).start()
    else:
        _die()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)
