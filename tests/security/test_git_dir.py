"""Attack 2: host code execution through git. sparkwright runs git on the host in the worktree (add, commit,
diff); a worker that controls which git directory that git reads also controls the commands it runs.

The fake git directory borrows the real objects (alternates) and index, so the host's git happily works in it.
It is made either in the worktree root itself (`.git` rewritten in place to `gitdir: .`: the root and the
`.git` file stay owned by the host user, so git's safe.directory ownership check passes even in Docker) or
in a directory the host user owns that is moved to `.git`.
"""

from __future__ import annotations

import shlex

import pytest

from tests.scripting import tc


def fake_git_dir(where: str, settings: list[tuple[str, str]], extra: str = "") -> str:
    """A shell command that builds a usable git directory in `where`, with `settings` in its config."""
    q = shlex.quote
    config = " && ".join(f"git config -f {where}/config {q(k)} {q(v)}" for k, v in settings) or "true"
    return (
        "real=$(git rev-parse --git-common-dir) && head=$(git rev-parse HEAD)"
        " && idx=$(git rev-parse --git-dir)/index"
        f" && mkdir -p {where}/objects/info {where}/refs/heads"
        f' && echo "$real/objects" > {where}/objects/info/alternates'
        f' && echo $head > {where}/HEAD && cp "$idx" {where}/index'
        f" && printf '[core]\\n\\trepositoryformatversion = 0\\n\\tbare = false\\n' > {where}/config && {config}"
        + (f" && {extra}" if extra else "")
    )


def hook(directory: str, marker) -> str:
    return (
        f"mkdir -p {directory} && printf '#!/bin/sh\\ntouch {marker}\\n' > {directory}/post-commit"
        f" && chmod +x {directory}/post-commit"
    )


def payloads(host) -> dict[str, tuple[list[tuple[str, str]], str]]:
    """Variant -> (git config of the fake directory, extra shell setup); each would touch its host marker."""
    m = host.marker
    return {
        "fsmonitor": ([("core.fsmonitor", f"touch {m('fsmonitor')}")], ""),
        "hooks-dir": ([], hook("$D/hooks", m("hooks-dir"))),
        "hooks-path": ([("core.hooksPath", "evil-hooks")], hook("evil-hooks", m("hooks-path"))),
        "filter": (
            [("filter.x.clean", f"touch {m('filter')}; cat"), ("filter.x.smudge", "cat")],
            "echo '* filter=x' > .gitattributes",
        ),
        "diff-external": ([("diff.external", f"touch {m('diff-external')}")], ""),
        "ssh-command": (
            [
                ("core.sshCommand", f"touch {m('ssh-command')}"),
                ("remote.origin.url", "ssh://git@example.invalid/x.git"),
            ],
            "",
        ),
    }


def repoint(how: str) -> tuple[str, str]:
    """(directory the fake git dir is built in, command that makes the worktree use it)."""
    if how == "gitfile":
        return ".", "printf 'gitdir: .\\n' > .git"
    return "tests", "rm .git && mv tests .git"  # tests/ was made by the host's git checkout: the host user owns it


VARIANTS = [(v, "gitfile") for v in ("fsmonitor", "hooks-dir", "hooks-path", "filter", "diff-external", "ssh-command")]
VARIANTS += [("fsmonitor", "directory"), ("hooks-dir", "directory")]


@pytest.mark.parametrize("variant, how", VARIANTS, ids=[f"{v}-{h}" for v, h in VARIANTS])
def test_a_fake_git_dir_in_the_worktree_runs_nothing_on_the_host(attack, variant, how):
    where, switch = repoint(how)
    settings, extra = payloads(attack.host)[variant]
    build = fake_git_dir(where, settings, extra.replace("$D", where))
    attack.job(
        worker=[tc("run", command=f"{build} && {switch}"), tc("run", command="echo more >> shopcart/__init__.py")]
    )  # something for add/diff to see
    attack.assert_contained(worktree_git=False)
    # Either sparkwright put its own .git back before using git, or it refused to go on.
    try:
        attack.assert_worktree_git_intact()
    except AssertionError:
        assert attack.job_row().status != "succeeded", "the job succeeded on a git directory the worker made"


def test_the_worktree_pointed_at_the_users_own_git_dir_commits_nothing_there(attack):
    """`.git` aimed at the user's repository itself: sparkwright's add and commit would land on the user's
    checked-out branch and index (the container can read that path in the worktree's own `.git` file)."""
    attack.job(
        worker=[
            tc("run", command='printf "gitdir: %s\\n" "$(git rev-parse --git-common-dir)" > .git'),
            tc("run", command="echo more >> shopcart/__init__.py"),
        ]
    )
    attack.assert_contained(worktree_git=False)  # the user's HEAD, branch, index and files are checked there


def test_worker_git_commands_leave_the_users_repo_config_alone(attack):
    """In the local sandbox the worktree's git config *is* the user's repo config (linked worktrees share it)."""
    marker = attack.host.marker("ssh-command")
    attack.job(
        worker=[
            tc(
                "run",
                command="git config core.hooksPath /x; git config core.sshCommand " + shlex.quote(f"touch {marker}"),
            ),
            tc(
                "run",
                command="git remote add origin http://evil.example/x.git; git remote set-url origin http://evil.example/x.git",
            ),
            tc("run", command="git config url.http://evil.example/.insteadOf https://github.com/; git config --list"),
        ]
    )
    attack.assert_contained()


def test_worker_git_commands_leave_the_users_branches_alone(attack):
    """The user's refs live in the shared repository too: moving `main` moves the user's checkout."""
    attack.job(
        worker=[
            tc("run", command="git update-ref refs/heads/main $(git commit-tree 'HEAD^{tree}' -p HEAD -m evil)"),
            tc("run", command="git branch planted HEAD; git tag -f planted HEAD; echo x >> AGENTS.md; git stash"),
        ]
    )
    attack.assert_contained()


def test_worker_cannot_plant_a_hook_in_the_users_repo(attack):
    """A post-commit hook in the user's repo runs on sparkwright's own commit, and on every later one of the user's."""
    planted = hook("$(git rev-parse --git-common-dir)/hooks", attack.host.marker("planted-hook"))
    attack.job(worker=[tc("run", command=planted), tc("run", command="echo more >> shopcart/__init__.py")])
    attack.assert_contained()


def test_a_check_that_changes_the_users_repo_config_is_undone_at_every_step(attack):
    """The worker writes the steps' check: step 1's check is judged inside its attempt, and step 2's check runs the
    same code before its own attempt starts; neither run's change may outlive the job."""
    marker = attack.host.marker("ssh-command")
    check = f"git config core.sshCommand {shlex.quote(f'touch {marker}')}; test -f STEP-NOTE.md"
    write = tc("run", command=f"printf '%s\\n' {shlex.quote(check)} > check.sh")
    attack.job(worker=[write], check="sh check.sh", steps=2)
    assert attack.job_row().status == "succeeded", attack.outcomes[-1].stdout[-3000:]
    attack.assert_contained()
