"""Triage builds the quick step's check from the test run's output: names in it come from the repository and
are untrusted, so they reach the shell only quoted."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import git
from tests.scripting import tc, write_script

HOSTILE_NAME = "tests/test_$(touch${IFS}PWNED).py"


def test_a_failing_test_named_like_a_command_is_run_quoted_in_the_quick_check(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")
    (repo / HOSTILE_NAME).write_text("def test_x():\n    assert False\n")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=m", "-c", "user.email=m@example.com", "commit", "-qm", "a test with a hostile name")
    deep = write_script(tmp_path / "deep.json", [])
    fast = write_script(tmp_path / "fast.json", [("Your step", [tc("run_check"), tc("stuck", reason="no")])])

    cli("run", "--repo", repo, "--issue", f"see {HOSTILE_NAME}", "--quick", "--deep-model", deep, "--fast-model", fast)

    [job] = store.jobs()
    [quick] = store.steps(job.id)
    assert f"'{HOSTILE_NAME}::test_x'" in quick.check_command
    ran = store.events(job.id, kinds=["check"])
    assert ran and all("test_x" in c.payload["output"] for c in ran)  # it ran, naming the hostile file as a file
    for where in (Path(job.worktree_path), repo, Path.cwd()):
        assert not (where / "PWNED").exists()
