"""Attack 3: the planner's "read-only" tools (list_files, search, view_file) run on the host, in every
sandbox mode: the planner reads the worktree there so that planning never waits for the container.
A hostile planner aims them at the host, or at the worktree itself with an option for an argument."""

from __future__ import annotations

import os

import pytest

from tests.conftest import git
from tests.scripting import tc

LINK = "vendor-docs"
"""A symlink committed in the user's repo, pointing at the host directory (a repo can hold any link)."""


def explorations(attack) -> dict[str, list[dict]]:
    root = attack.host.root
    up = os.path.relpath(root, attack.home / "worktrees" / "job-id")
    return {
        # A find over / meets vanishing /proc entries, which today's tool takes for a missing directory:
        # /etc is steady, so its listing shows whether the host's tree is reachable at all.
        "list-root": [
            tc("list_files", path="/", pattern="SPWnameT0ken*"),
            tc("list_files", path="/etc", pattern="hostnam?"),
        ],
        "list-host-dir": [tc("list_files", path=str(root))],
        "search-host-dir": [tc("search", pattern="s3cret", path=str(root))],
        "dotdot": [
            tc("list_files", path=up),
            tc("search", pattern="s3cret", path=up),
            tc("view_file", path=f"{up}/secret.txt"),
        ],
        "absolute-view": [tc("view_file", path=str(attack.host.secret))],
        "committed-link": [
            tc("list_files", path=f"{LINK}/"),
            tc("search", pattern="s3cret", path=LINK),
            tc("search", pattern="s3cret", path=f"{LINK}/"),
            tc("view_file", path=f"{LINK}/secret.txt"),
        ],
    }


@pytest.mark.parametrize(
    "variant", ["list-root", "list-host-dir", "search-host-dir", "dotdot", "absolute-view", "committed-link"]
)
def test_planner_tools_never_read_the_host(attack, repo, variant):
    if variant == "committed-link":
        os.symlink(attack.host.root, repo / LINK)
        git(repo, "add", LINK)
        git(repo, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "vendored docs link")
        attack.rebaseline()
    attack.job(planner=explorations(attack)[variant])
    attack.assert_contained()
    if variant == "list-root":
        attack.assert_no_leaks(["/etc/hostname"])


def test_planner_list_files_cannot_delete_the_worktree(attack):
    """`find` takes a path starting with '-' for an expression: `find -delete ...` deletes everything it walks."""
    attack.job(planner=[tc("list_files", path="-delete"), tc("list_files", path="-delete", pattern="*.py")])
    attack.assert_contained()
    attack.assert_worktree_files_intact()
