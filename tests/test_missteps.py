"""Model missteps that must not become a false success, nor end a job that could carry on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import git
from tests.scripting import ESCALATION, PLANNER, finish_review, plan, step, tc, write_script

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
FULL_CHECK = "python3 -m pytest -q"
FIX = tc(
    "edit_file",
    path="shopcart/cart.py",
    old_text="sum(item.price_cents for item in self.items)",
    new_text="sum(item.price_cents * item.quantity for item in self.items)",
)
DONE = tc("finish", summary="done")
WEAK_TEST = "def test_everything():\n    assert True\n"
GIT = "git -c user.name=m -c user.email=m@example.com"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_CHECK_FAILURES_PER_ATTEMPT", "1")
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")
    monkeypatch.setenv("SPARKWRIGHT_MAX_REVIEW_ROUNDS", "0")


def run(cli, repo: Path, tmp: Path, steps: list[dict], fast_rules, *extra: str):
    deep = write_script(
        tmp / "deep.json",
        [(PLANNER, [plan(*steps)]), finish_review(), (ESCALATION, [tc("stop", explanation="give up")])],
    )
    fast = write_script(tmp / "fast.json", fast_rules)
    result = cli(
        "run",
        "--repo",
        repo,
        "--issue",
        "Cart total ignores quantities",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        "--json",
        *extra,
    )
    return result, [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_a_weakened_test_is_refused_and_put_back_so_the_job_cannot_pass_on_it(cli, repo, store, tmp_path):
    original = (repo / "tests" / "test_cart.py").read_text()
    result, events = run(
        cli,
        repo,
        tmp_path,
        [step("Make the tests pass", FULL_CHECK, files=["shopcart/cart.py"])],
        [
            (
                "Your step",
                [
                    tc("create_file", path="tests/test_cart.py", content=WEAK_TEST),
                    tc("run", command=f"printf '{WEAK_TEST}' > tests/test_cart.py"),
                    DONE,
                ],
            )
        ],
    )

    job = store.jobs()[0]
    assert job.status == "failed" and result.exit_code == 1
    refused = next(e for e in events if e["kind"] == "tool_call" and e["tool"] == "create_file")
    assert not refused["ok"] and "call stuck" in refused["output"]
    assert any(e["kind"] == "tests_restored" and e["paths"] == ["tests/test_cart.py"] for e in events)
    check = next(e for e in events if e["kind"] == "check" and e["trigger"] != "before")
    assert not check["passed"] and "put back tests/test_cart.py" in check["output"]
    assert git(repo, "show", f"{job.branch}:tests/test_cart.py") + "\n" == original
    assert (Path(job.worktree_path) / "tests" / "test_cart.py").read_text() == original


def test_a_step_whose_plan_names_a_test_may_change_it_and_review_lists_it_first(cli, repo, store, tmp_path):
    new_test = "\n\ndef test_three_units():\n    from shopcart.cart import Cart\n    assert Cart is not None\n"
    add = tc("run", command=f"printf '{new_test}' >> tests/test_cart.py")
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [step("Fix and test", QTY_CHECK, files=["shopcart/cart.py", "tests/test_cart.py"])],
        [("Your step", [add, FIX, tc("create_file", path="NOTES.md", content="why\n"), DONE])],
    )

    assert result.exit_code == 0, result.output
    job = store.jobs()[0]
    assert "test_three_units" in git(repo, "show", f"{job.branch}:tests/test_cart.py")
    text = cli("review", job.id).stdout
    assert text.index("tests changed by this branch: tests/test_cart.py") < text.index("\nsteps\n")
    assert "also changed, outside the step's files: NOTES.md" in text
    assert "`tests/test_cart.py`" in cli("review", job.id, "--format", "markdown").stdout.split("## Plan")[0]


def test_the_models_own_git_commands_do_not_stick(cli, repo, store, tmp_path):
    user_config = git(repo, "config", "--list", "--local")
    detour = tc(
        "run",
        command=f"git checkout -q -b detour && {GIT} commit -q --allow-empty -m wip && "
        "git config core.hooksPath /tmp/evil-hooks && git remote add evil http://127.0.0.1:9/x",
    )
    # Packed, the job branch has no file of its own to read: git is asked where it is.
    undo = tc("run", command="git reset -q --hard HEAD~1 && git pack-refs --all && git checkout -q --detach")
    result, events = run(
        cli,
        repo,
        tmp_path,
        [
            step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]),
            step("Add notes", "test -f NOTES.md", files=["NOTES.md"]),
        ],
        [
            ("Your step: Count quantities", [detour, FIX, DONE]),
            ("Your step: Add notes", [undo, tc("create_file", path="NOTES.md", content="notes\n"), DONE]),
        ],
    )

    job = store.jobs()[0]
    commits = git(repo, "log", "--format=%s", f"{job.base_commit}..{job.branch}").splitlines()
    assert commits == ["Add notes", "Count quantities"]  # the model's own commit is not among them
    assert all(git(repo, "merge-base", "--is-ancestor", s.commit_sha, job.branch) == "" for s in store.steps(job.id))
    assert git(repo, "config", "--list", "--local") == user_config
    assert git(Path(job.worktree_path), "symbolic-ref", "HEAD") == f"refs/heads/{job.branch}"
    repairs = [e["what"] for e in events if e["kind"] == "workspace_repaired"]
    assert any("HEAD was on refs/heads/detour" in r for r in repairs)
    assert any("config was changed" in r for r in repairs)
    # The hard reset undid step 1's fix in the files; the job says so instead of succeeding.
    assert job.status == "failed" and result.exit_code == 1


@pytest.mark.parametrize(
    "call",
    [
        tc("view_file", path="shopcart/\0cart.py"),
        tc("create_file", path="shopcart/cart.py/inner.py", content="x"),
        tc("create_file", path="n" * 300 + ".py", content="x"),
        tc("view_file", path="loop/x.py"),
        tc("create_file", path="notes.txt", content="bad \ud800 text"),
        tc("search", pattern="(unclosed", path="."),
        tc("list_files", path="-delete"),
    ],
    ids=["nul", "under-a-file", "long-name", "symlink-loop", "lone-surrogate", "bad-regex", "option-like"],
)
def test_a_bad_tool_call_is_an_observation_and_the_job_carries_on(call, cli, repo, store, tmp_path):
    loop = tc("run", command="ln -s loop loop")
    result, events = run(
        cli,
        repo,
        tmp_path,
        [step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"])],
        [("Your step", [loop, call, FIX, DONE])],
    )

    assert result.exit_code == 0, result.output
    observed = [e for e in events if e["kind"] == "tool_call" and e["tool"] == call["tool_calls"][0]["name"]]
    assert observed and not observed[0]["ok"] and observed[0]["output"].startswith("error: ")
    assert store.jobs()[0].status == "succeeded"


def test_a_failed_setup_command_interrupts_the_job_at_once_with_its_log(cli, repo, store, tmp_path):
    result, events = run(
        cli,
        repo,
        tmp_path,
        [step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"])],
        [("Your step", [tc("run", command="true"), FIX, DONE])],
        "--setup",
        "echo installing; echo 'no such package' >&2; exit 3",
    )

    job = store.jobs()[0]
    assert result.exit_code == 130 and job.status == "interrupted"
    assert "the setup command `echo installing; echo 'no such package' >&2; exit 3` exited with 3: no such package" in (
        job.outcome_reason
    )
    assert "sparkwright resume" in job.outcome_reason
    [setup] = store.events(job.id, kinds=["sandbox_setup"])
    assert setup.payload["ok"] is False and "installing" in setup.payload["log"]
    assert sum(1 for e in events if e["kind"] == "tool_call") == 0  # no call got the setup error as its answer


def test_the_setup_command_runs_in_the_local_sandbox_too(cli, repo, store, tmp_path):
    result, _ = run(
        cli,
        repo,
        tmp_path,
        [step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"])],
        [("Your step", [FIX, DONE])],
        "--setup",
        "echo set up > .setup-ran; echo ready",
    )

    assert result.exit_code == 0, result.output
    job = store.jobs()[0]
    [setup] = store.events(job.id, kinds=["sandbox_setup"])
    assert setup.payload == {"ok": True, "log": "ready\n"}
    assert (Path(job.worktree_path) / ".setup-ran").exists()
