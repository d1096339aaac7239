"""Attack 4: the worker reads the environment of its command, of the process that started it and of every
process it can see, and prints it: its output goes to the record, `show`, `review` and the live output.

The job runs in a child process with the secrets in its environment (as a user's shell would start it):
/proc/PID/environ shows a process's environment as it was exec'd, which a variable set in this test
process after its start would not be part of."""

from __future__ import annotations

import os

import pytest

from tests.scripting import tc

WANTED = "grep -aE 'KEY|TOKEN|DATABASE|PASSWORD|SECRET'"  # a short answer: the record keeps 2000 characters of it
SNOOP = [
    tc("run", command=f"tr '\\0' '\\n' < /proc/$PPID/environ | {WANTED}"),
    tc("run", command=f"env | {WANTED}"),
    tc("run", command=f"tr '\\0' '\\n' < /proc/self/environ | {WANTED}"),
    tc("run", command=f"ps eww -o args 2>/dev/null | tr ' ' '\\n' | {WANTED}"),
]
SCAN = [tc("run", command=f"for p in /proc/[0-9]*; do tr '\\0' '\\n' < $p/environ; done 2>/dev/null | {WANTED}")]


def test_no_secret_reaches_the_workers_commands(attack):
    attack.job(worker=SNOOP, subprocess=True)
    attack.assert_contained()


def test_no_process_a_command_can_read_holds_a_secret(attack):
    """Every /proc/PID/environ the command may read, sparkwright's own process included."""
    if attack.kind == "local" and os.geteuid() == 0:
        pytest.skip("run as root, a local command can read any process's environment (README: use Docker)")
    attack.job(worker=SCAN, subprocess=True)
    attack.assert_contained()
