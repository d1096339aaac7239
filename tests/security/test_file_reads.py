"""Attack 6: the file tools read on the host, and read whatever the worktree holds there: a FIFO blocks
the reader forever, a sparse file of hundreds of megabytes costs as much memory. The job runs in a child
process, so a hang is bounded by a timeout and its peak memory can be measured."""

from __future__ import annotations

from tests.conftest import git
from tests.scripting import tc

BIG_MB = 300
HUNG_AFTER = 60.0
"""Seconds: the whole job takes a few; past this it is stuck on the FIFO."""


def test_viewing_a_fifo_does_not_hang_the_job(attack):
    attack.job(
        worker=[
            tc("run", command="mkfifo pipe"),
            tc("view_file", path="pipe"),
            tc("edit_file", path="pipe", old_text="x", new_text="y"),
            tc("run", command="rm -f pipe"),
        ],
        subprocess=True,
        timeout=HUNG_AFTER,
    )
    assert not attack.outcomes[-1].timed_out, f"the job hung for {HUNG_AFTER:.0f}s on a FIFO in the worktree"
    attack.assert_contained()


def test_agents_md_made_a_fifo_does_not_hang_the_next_step(attack, repo):
    """AGENTS.md is read on the host into every step's brief: step 1 leaves a FIFO there for step 2.

    (Untracked: git cannot commit a FIFO where a tracked file was, and the job would stop at step 1's commit.)"""
    git(repo, "rm", "-q", "AGENTS.md")
    git(repo, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "no agents file")
    attack.rebaseline()
    attack.job(
        worker=[tc("run", command="rm -f AGENTS.md && mkfifo AGENTS.md")], steps=2, subprocess=True, timeout=HUNG_AFTER
    )
    assert not attack.outcomes[-1].timed_out, f"the job hung for {HUNG_AFTER:.0f}s on a FIFO named AGENTS.md"
    attack.assert_contained()


def test_viewing_a_huge_sparse_file_does_not_read_it_whole(attack):
    attack.job(
        worker=[
            tc("run", command=f"truncate -s {BIG_MB}M big.txt"),
            tc("view_file", path="big.txt"),
            tc("view_file", path="big.txt", start=1, end=3),
            tc("run", command="rm -f big.txt"),
        ],
        subprocess=True,
    )
    run = attack.outcomes[-1]
    assert not run.timed_out
    assert run.maxrss_mb < BIG_MB * 0.75, f"the job's process peaked at {run.maxrss_mb:.0f} MB: it read the file whole"
    attack.assert_contained()
