"""Attack 1: the worker's file tools run on the host, in the worktree; a hostile worker points them outside it.

In the Docker sandbox the worker's `run` cannot see the host, but view_file/create_file/edit_file are
executed host-side on the bind-mounted worktree: a link the container makes there is followed by the
host. The canary and the secret live in a host directory no tool may reach.
"""

from __future__ import annotations

import os

import pytest

from tests.scripting import tc

CART = "shopcart/cart.py"
CART_LINE = "sum(item.price_cents for item in self.items)"


def up_to_host(attack) -> str:
    """`host` as a relative path from a job's worktree (HOME/worktrees/ID)."""
    return os.path.relpath(attack.host.root, attack.home / "worktrees" / "job-id")


def writes(attack) -> dict[str, list[dict]]:
    """Each way a hostile worker tries to make a file tool write outside the worktree."""
    canary, outside, up = attack.host.canary, attack.host.outside, up_to_host(attack)
    return {
        # write_file writes `.NAME.sparkwright-tmp` next to the target, then renames it: a link by that name
        # sends the write (and the chmod) to the canary.
        "tmp-file-link-create": [
            tc("run", command=f"ln -s {canary} .notes.txt.sparkwright-tmp"),
            tc("create_file", path="notes.txt", content="pwned by create_file\n"),
        ],
        "tmp-file-link-edit": [
            tc("run", command=f"ln -s {canary} shopcart/.cart.py.sparkwright-tmp"),
            tc("edit_file", path=CART, old_text=CART_LINE, new_text="0  # pwned"),
        ],
        "dir-link": [
            tc("run", command=f"ln -s {outside} linkdir"),
            tc("create_file", path="linkdir/x.txt", content="pwned\n"),
            tc("create_file", path="linkdir/sub/y.txt", content="pwned\n"),
        ],
        "file-link-create": [
            tc("run", command=f"ln -s {canary} link.txt"),
            tc("create_file", path="link.txt", content="pwned\n"),
        ],
        "file-link-edit": [
            tc("run", command=f"ln -s {canary} link.txt"),
            tc("edit_file", path="link.txt", old_text="the original content", new_text="pwned"),
        ],
        "dotdot": [
            tc("create_file", path=f"{up}/outside/x.txt", content="pwned\n"),
            tc("edit_file", path=f"{up}/canary.txt", old_text="the original content", new_text="pwned"),
        ],
        "absolute": [
            tc("create_file", path=str(outside / "x.txt"), content="pwned\n"),
            tc("edit_file", path=str(canary), old_text="the original content", new_text="pwned"),
            tc("create_file", path=str(canary), content="pwned\n"),
        ],
    }


WRITES = [
    "tmp-file-link-create",
    "tmp-file-link-edit",
    "dir-link",
    "file-link-create",
    "file-link-edit",
    "dotdot",
    "absolute",
]


@pytest.mark.parametrize("variant", WRITES)
def test_file_tools_never_write_outside_the_worktree(attack, variant):
    attack.job(worker=writes(attack)[variant])
    attack.assert_contained()


def reads(attack) -> dict[str, list[dict]]:
    """Each way a hostile worker tries to make view_file show a host file (then the record holds it)."""
    secret, up = attack.host.secret, up_to_host(attack)
    return {
        "file-link": [tc("run", command=f"ln -s {secret} leak.txt"), tc("view_file", path="leak.txt")],
        "dir-link": [
            tc("run", command=f"ln -s {attack.host.root} hostdir"),
            tc("view_file", path="hostdir/secret.txt"),
        ],
        "dotdot": [tc("view_file", path=f"{up}/secret.txt")],
        "absolute": [tc("view_file", path=str(secret))],
        "edit-error-shows-text": [
            tc("run", command=f"ln -s {secret} leak.txt"),
            tc("edit_file", path="leak.txt", old_text="db_passwrd = s3cret", new_text="x"),
        ],
    }


@pytest.mark.parametrize("variant", ["file-link", "dir-link", "dotdot", "absolute", "edit-error-shows-text"])
def test_file_tools_never_read_a_host_file_into_the_record(attack, variant):
    attack.job(worker=reads(attack)[variant])
    attack.assert_contained()


def test_a_hardlink_to_a_host_file_is_not_written_through(local_attack):
    """Only where the worktree and the host file share a filesystem: the local sandbox."""
    canary = local_attack.host.canary
    local_attack.job(
        worker=[
            tc("run", command=f"ln {canary} hard.txt"),
            tc("edit_file", path="hard.txt", old_text="the original content", new_text="pwned by edit_file"),
            tc("run", command=f"rm -f hard.txt && ln {canary} hard.txt"),
            tc("create_file", path="hard.txt", content="pwned by create_file\n"),
            tc("run", command="rm -f hard.txt"),
        ]
    )
    local_attack.assert_contained()
