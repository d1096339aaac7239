"""Beyond the brief: the worktree's `.git` file decides what the next container mounts.

A linked worktree's `.git` names its git dir; the Docker sandbox mounts that dir's common dir (read-only)
so git works inside. Python reads the file's first *line*, git reads the whole file: a vertical tab ends
a line for Python only. So `.git` can say one thing to git (the real git dir: every git command keeps
working, the job goes on) and another to the sandbox (a `commondir` naming any host directory), and the
container `revise` or `resume` starts has that host directory mounted: the worker just reads it."""

from __future__ import annotations

import pytest

from tests.scripting import tc

pytestmark = pytest.mark.docker

SPLIT_GITFILE = (
    'real=$(git rev-parse --git-dir) && wt=$(dirname "$(cat $real/gitdir)")'
    ' && rel=$(python3 -c \'import os,sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))\' "$real" "$wt")'
    " && mkdir -p evil \"evil$(printf '\\v')\" && echo {host_dir} > evil/commondir"
    " && printf 'gitdir: evil\\v/../%s\\n' \"$rel\" > .git && git status --short >/dev/null"
)


def test_the_next_container_mounts_no_host_directory_named_by_the_worktree(docker_attack):
    host = docker_attack.host
    worker = [tc("run", command=SPLIT_GITFILE.format(host_dir=host.root)), tc("run", command=f"cat {host.secret}")]
    docker_attack.job(worker=worker)
    docker_attack.cli("revise", docker_attack.job_id(), "one more thing")
    docker_attack.assert_contained(worktree_git=False)
