"""More bad input: hostile text on the terminal, odd job ids and databases, budgets, `~`, a closed pipe and
delivery kept with the job. Real CLI, real git and SQLite, scripted models."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from state import SqlStore
from tests.conftest import git, make_repo
from tests.scripting import PLANNER, finish_review, note_step, plan, step, tc, write_note, write_script
from tests.test_bad_input import models, no_job_made  # noqa: F401  (models is a fixture)
from tests.test_github_job import URL, github, quick_scripts, remote, remote_head  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "Fix [/bold] subtotal \x1b]0;pwned\x07\x1b[31m red\x9b2J"
SHOWN = r"Fix [/bold] subtotal \x1b]0;pwned\x07\x1b[31m red\x9b2J"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b")


def assert_one_line_error(result, fragment: str) -> None:
    assert result.exit_code == 2, result.output
    assert fragment in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output, result.stderr


def record_jobs(store: SqlStore, repo: Path, *ids: str, status: str = "succeeded") -> None:
    for job_id in ids:
        store.create_job(
            id=job_id,
            status=status,
            issue_title=f"job {job_id}",
            issue_text="x",
            repo_path=str(repo),
            base_commit=git(repo, "rev-parse", "HEAD"),
            branch=f"sparkwright/x-{job_id}",
            worktree_path=str(repo),
            deep_model="scripted:d",
            fast_model="scripted:f",
        )


def test_hostile_issue_and_model_text_is_shown_escaped_and_kept_raw_in_json(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")
    deep = write_script(
        tmp_path / "deep.json",
        [
            (PLANNER, [plan(step(HOSTILE, "false", files=["shopcart/cart.py"]), summary=HOSTILE)]),
            finish_review(HOSTILE),
        ],
    )
    fast = write_script(
        tmp_path / "fast.json",
        [("Your step", [tc("run", command=r"printf '\033]0;pwned\007'"), tc("finish", summary=HOSTILE)])],
    )

    ran = cli("run", "--repo", repo, "--issue", HOSTILE, "--deep-model", deep, "--fast-model", fast, "--json")

    assert ran.exit_code == 1 and "step 'Fix [/bold] subtotal" in ran.stderr, ran.stderr
    assert not any(c in ran.stderr for c in RAW_CONTROLS), ran.stderr
    [job] = store.jobs()
    for args in (
        ["jobs"],
        ["show", job.id],
        ["review", job.id],
        ["review", job.id, "--step", "1"],
        ["review", job.id, "--format", "markdown"],
    ):
        shown = cli(*args)
        assert shown.exit_code == 0, shown.output
        assert not any(c in shown.output for c in RAW_CONTROLS), (args, shown.output)
        assert r"\x1b" in shown.output and r"\x07" in shown.output, (args, shown.output)
        assert "[/bold]" in shown.output or "markdown" in args, (args, shown.output)
    assert SHOWN in cli("show", job.id).stdout
    assert json.loads(cli("show", job.id, "--json").stdout)["issue"]["title"] == HOSTILE
    assert json.loads(cli("jobs", "--json").stdout)[0]["title"] == HOSTILE
    assert json.loads(cli("review", job.id, "--format", "json").stdout)["plan"]["summary"] == HOSTILE


def test_a_long_one_line_issue_is_kept_whole_under_a_short_title(cli, repo, store, tmp_path):
    words = ("é" * 9 + " ") * 6553 + "é" * 6  # 65,536 characters, the limit; 2 bytes each in UTF-8
    assert len(words) == 65_536
    deep, fast = quick_scripts(tmp_path)

    result = cli("run", "--repo", repo, "--issue", words, "--deep-model", deep, "--fast-model", fast, "--json")

    assert result.exit_code == 0, result.output
    [job] = store.jobs()
    assert job.issue_text == words
    assert len(job.issue_title) <= 200 and job.issue_title.endswith("é…")
    assert words.startswith(job.issue_title[:-1] + " ")


def test_job_ids_are_literal_prefixes(cli, repo, store):
    record_jobs(store, repo, "5cb64520", "5ab12345")

    assert_one_line_error(cli("show", "5_b"), "no job '5_b': see `sparkwright jobs`")
    assert_one_line_error(cli("show", "%"), "no job '%'")
    assert_one_line_error(cli("show", "5"), "job id '5' is ambiguous (matches 5ab12345, 5cb64520)")
    assert_one_line_error(cli("show", ""), "no job id given")
    assert cli("show", "5c").stdout.startswith("job 5cb64520")


@pytest.mark.parametrize("message", ["", "  \n\t "])
def test_empty_steering_is_refused(message, cli, repo, store):
    record_jobs(store, repo, "0123abcd", status="running")

    assert_one_line_error(cli("steer", "0123abcd", message), "the message is empty")
    assert store.unread_steering("0123abcd") == []


def test_a_foreign_sqlite_file_is_refused_and_left_unchanged(cli, repo, models, home, tmp_path):
    foreign = tmp_path / "notes.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('keep me')")
    conn.close()
    before = foreign.read_bytes()

    assert_one_line_error(
        cli("jobs", "--db", foreign), f"{foreign} is not a sparkwright database (it holds other tables: notes)"
    )
    assert_one_line_error(
        cli("run", "--repo", repo, "--issue", "x", *models, "--db", foreign), "is not a sparkwright database"
    )

    assert foreign.read_bytes() == before
    assert sorted(p.name for p in tmp_path.glob("notes.db*")) == ["notes.db"]
    assert git(repo, "branch", "--list", "sparkwright/*") == "" and not list(home.glob("worktrees/*"))


@pytest.mark.parametrize(
    "field, value, refused",
    [
        ("worker_max_turns", -5, "greater than 0"),
        ("worker_max_seconds", 0, "greater than 0"),
        ("worker_max_tokens", 0, "greater than 0"),
        ("planner_max_turns", 0, "greater than 0"),
        ("command_timeout", -1, "greater than 0"),
        ("check_timeout", 0, "greater than 0"),
        ("setup_timeout", 0, "greater than 0"),
        ("check_failures_per_attempt", 0, "greater than 0"),
        ("docker_cpus", 0, "greater than 0"),
        ("docker_pids_limit", -1, "greater than 0"),
        ("max_escalations_per_step", -1, "greater than or equal to 0"),
        ("max_escalations_per_job", -1, "greater than or equal to 0"),
        ("max_review_rounds", -1, "greater than or equal to 0"),
    ],
)
def test_budgets_out_of_range_are_refused(field, value, refused, cli, repo, models, home, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f"{field} = {value}\n")

    result = cli("run", "--repo", repo, "--issue", "x", *models, "--config", config)

    assert_one_line_error(
        result,
        f"bad setting ({field}: Input should be {refused}): fix the flag, the SPARKWRIGHT_* variable or {config}",
    )
    assert no_job_made(home)


@pytest.mark.parametrize("where", ["config file", "environment", "--db"])
def test_tilde_means_the_home_directory(where, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.toml").write_text('home = "~/from-file"\n')
    monkeypatch.delenv("SPARKWRIGHT_HOME")
    args, db = {
        "config file": (["--config", tmp_path / "config.toml"], "from-file/sparkwright.db"),
        "environment": ([], "from-env/sparkwright.db"),
        "--db": (["--db", "~/flag.db"], "flag.db"),
    }[where]
    if where == "environment":
        monkeypatch.setenv("SPARKWRIGHT_HOME", "~/from-env")

    assert cli("jobs", *args).exit_code == 0

    assert (tmp_path / "user" / db).is_file()
    assert not (tmp_path / "~").exists()


def sparkwright(home: Path, *args: str, fault: str = "", **popen: object) -> subprocess.Popen:
    env = {**os.environ, "SPARKWRIGHT_HOME": str(home), "PYTHONPATH": str(ROOT), "SPARKWRIGHT_FAULT": fault}
    return subprocess.Popen([sys.executable, "-m", "agent", *args], env=env, **popen)


def event_kinds(home: Path) -> tuple[str, list[str]]:
    with SqlStore(home / "sparkwright.db") as store:
        [job] = store.jobs()
        return job.status, [e.kind for e in store.events(job.id)]


def test_a_closed_json_pipe_neither_stops_nor_hangs_the_job(tmp_path):
    deep, fast = quick_scripts(tmp_path, check="sleep 0.5; true")
    args = ("run", "--issue", "Touch nothing", "--deep-model", deep, "--fast-model", fast, "--json")
    whole = sparkwright(
        tmp_path / "whole",
        *args,
        "--repo",
        str(make_repo(tmp_path / "repo-whole")),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert len(whole.communicate(timeout=60)[0].splitlines()) > 5 and whole.returncode == 0

    with open(tmp_path / "stderr", "w") as stderr:
        piped = sparkwright(
            tmp_path / "piped",
            *args,
            "--repo",
            str(make_repo(tmp_path / "repo-piped")),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        assert json.loads(piped.stdout.readline())["kind"] == "job_started"
        piped.stdout.close()  # what `| head -1` does after its line
        try:
            assert piped.wait(timeout=60) == 0
        finally:
            piped.kill()

    assert "Traceback" not in (tmp_path / "stderr").read_text()
    status, kinds = event_kinds(tmp_path / "piped")
    assert (status, kinds) == event_kinds(tmp_path / "whole")
    assert status == "succeeded" and "job_finished" in kinds


def test_push_and_pr_are_kept_with_the_job_and_resume_and_revise_deliver(cli, github, remote, store, home, tmp_path):
    deep = write_script(
        tmp_path / "deep.json",
        [
            ("back on a job that has finished", [tc("add_steps", reason="a note", steps=[step("Add a note", "true")])]),
            (PLANNER, [plan(note_step("Write a note"), test_command="true")]),
            finish_review(),
        ],
    )
    fast = write_script(tmp_path / "fast.json", [("Your step", [write_note(), tc("finish", summary="a note")])])
    killed = sparkwright(
        home,
        "run",
        URL,
        "--push",
        "--pr",
        "--deep-model",
        deep,
        "--fast-model",
        fast,
        "--json",
        fault="worker.before_model",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert killed.wait(timeout=60) == -9
    [job] = store.jobs()
    assert (job.settings["push"], job.settings["pull_request"]) == (True, True)
    assert remote_head(remote, job.branch) is None

    resumed = cli("resume", job.id, "--json")

    assert resumed.exit_code == 0, resumed.output
    [done] = store.steps(job.id)
    assert remote_head(remote, job.branch) == done.commit_sha
    assert [p["head"] for p in github.pulls] == [job.branch] and "draft pull request:" in resumed.stderr

    revised = cli("revise", job.id, "add a note", "--json")

    assert revised.exit_code == 0, revised.output
    note = store.steps(job.id)[-1]
    assert note.title == "Add a note" and remote_head(remote, job.branch) == note.commit_sha
    assert len(github.pulls) == 1, "the open pull request follows the branch"
