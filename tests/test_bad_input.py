"""Bad input: one line saying what to do, a non-zero exit, and no job left behind."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from state import SqlStore
from tests.conftest import git
from tests.scripting import PLANNER, note_step, plan, write_note, write_script


@pytest.fixture
def models(tmp_path):
    deep = write_script(tmp_path / "deep.json", [(PLANNER, [plan(note_step())])])
    fast = write_script(
        tmp_path / "fast.json", [("", [write_note(), {"tool_calls": [{"name": "finish", "args": {"summary": "x"}}]}])]
    )
    return ["--deep-model", deep, "--fast-model", fast]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def no_job_made(home: Path) -> bool:
    db = home / "sparkwright.db"
    if not db.exists():
        return True
    with SqlStore(db) as store:
        return not store.jobs()


@pytest.mark.parametrize(
    "case, expected",
    [
        ("missing repo", "no such directory"),
        ("not a git repo", "is not a git repository: run `git init`"),
        ("empty issue", "the issue is empty: pass --issue"),
        ("issue file missing", "no issue file"),
        ("issue text and file", "pass the issue once: --issue TEXT or --issue-file FILE, not both"),
        ("unknown provider", "unknown provider 'gpt' in 'gpt:4'"),
        ("missing api key", "OPENAI_API_KEY is not set"),
        ("missing anthropic key", "ANTHROPIC_API_KEY is not set"),
        ("unreachable server", "does not answer"),
        ("no model", "no model configured"),
        ("malformed model", "is not provider:model"),
        ("bad setting", "bad setting (sandbox: Input should be 'auto', 'docker' or 'local')"),
        ("binary issue file", "is not UTF-8 text: pass a text file"),
        ("issue over the limit", "the issue is 70,000 characters, over the limit of 65,536"),
        ("script missing", "cannot read the script /missing.json (No such file or directory)"),
        ("script not json", "is not valid JSON"),
        ("script of the wrong shape", "is not a scripted-model script"),
        ("base url unparsable", "the base URL 'http://[::1' is not a valid URL"),
        ("base url without scheme", "the base URL 'localhost:8080/v1' needs http:// or https:// and a host"),
        ("db under a file", "cannot make the directory"),
        ("config file missing", "no config file"),
        ("push without origin", "--push needs a remote 'origin'"),
        ("pr without token", "--pr needs a GitHub token"),
    ],
)
def test_bad_input_is_one_line_and_leaves_no_job(case, expected, cli, repo, models, home, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "plain").mkdir()
    (tmp_path / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    (tmp_path / "huge.md").write_text("é" * 70_000)
    (tmp_path / "not.json").write_text("rules: []")
    (tmp_path / "shape.json").write_text('{"rules": [{"replies": [{"text": "hi"}]}]}')
    (tmp_path / "a-file").write_text("")
    compatible = ["--deep-model", "openai-compatible:qwen", "--fast-model", "openai-compatible:qwen"]
    args = {
        "missing repo": ["--repo", tmp_path / "nope", "--issue", "x", *models],
        "not a git repo": ["--repo", tmp_path / "plain", "--issue", "x", *models],
        "empty issue": ["--repo", repo, "--issue", "   ", *models],
        "issue file missing": ["--repo", repo, "--issue-file", tmp_path / "none.md", *models],
        "issue text and file": ["--repo", repo, "--issue", "x", "--issue-file", tmp_path / "none.md", *models],
        "unknown provider": ["--repo", repo, "--issue", "x", "--deep-model", "gpt:4", "--fast-model", "gpt:4"],
        "missing api key": [
            "--repo",
            repo,
            "--issue",
            "x",
            "--deep-model",
            "openai:gpt-4.1",
            "--fast-model",
            "openai:x",
        ],
        "missing anthropic key": [
            "--repo",
            repo,
            "--issue",
            "x",
            "--deep-model",
            "anthropic:claude",
            "--fast-model",
            "anthropic:claude",
        ],
        "unreachable server": [
            "--repo",
            repo,
            "--issue",
            "x",
            "--deep-model",
            "openai-compatible:qwen",
            "--fast-model",
            "openai-compatible:qwen",
            "--base-url",
            f"http://127.0.0.1:{closed_port()}/v1",
        ],
        "no model": ["--repo", repo, "--issue", "x"],
        "malformed model": ["--repo", repo, "--issue", "x", "--deep-model", "gpt4", "--fast-model", "gpt4"],
        "bad setting": ["--repo", repo, "--issue", "x", "--sandbox", "vm", *models],
        "binary issue file": ["--repo", repo, "--issue-file", tmp_path / "binary.md", *models],
        "issue over the limit": ["--repo", repo, "--issue-file", tmp_path / "huge.md", *models],
        "script missing": ["--repo", repo, "--issue", "x", *models, "--deep-model", "scripted:/missing.json"],
        "script not json": ["--repo", repo, "--issue", "x", *models, "--fast-model", f"scripted:{tmp_path}/not.json"],
        "script of the wrong shape": [
            "--repo",
            repo,
            "--issue",
            "x",
            *models,
            "--deep-model",
            f"scripted:{tmp_path}/shape.json",
        ],
        "base url unparsable": ["--repo", repo, "--issue", "x", *compatible, "--base-url", "http://[::1"],
        "base url without scheme": ["--repo", repo, "--issue", "x", *compatible, "--base-url", "localhost:8080/v1"],
        "db under a file": ["--repo", repo, "--issue", "x", *models, "--db", tmp_path / "a-file" / "s.db"],
        "config file missing": ["--repo", repo, "--issue", "x", *models, "--config", tmp_path / "none.toml"],
        "push without origin": ["--repo", repo, "--issue", "x", *models, "--push"],
        "pr without token": ["https://github.com/acme/shopcart/issues/7", *models, "--pr"],
    }[case]

    result = cli("run", *args)

    assert result.exit_code == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output
    assert no_job_made(home)
    assert not (home / "worktrees").exists() or not any((home / "worktrees").iterdir())
    assert git(repo, "branch", "--list", "sparkwright/*") == ""


def test_unknown_job_id_says_where_to_look(cli):
    result = cli("show", "deadbeef")
    assert result.exit_code == 2 and "see `sparkwright jobs`" in result.stderr


def test_a_job_that_cannot_be_recorded_leaves_no_worktree_or_branch(repo, home, tmp_path):
    """The database is locked by another process when the job row is written: the worktree goes too."""
    import sqlite3

    from agent.config import load_settings
    from agent.intake import create_job
    from agent.issue import IssueText
    from agent.repo import open_user_repo
    from state import DatabaseError
    from tests.conftest import git

    with SqlStore(tmp_path / "s.db", busy_timeout=0.2) as store:
        locker = sqlite3.connect(tmp_path / "s.db")
        locker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(DatabaseError, match="locked"):
                create_job(store, load_settings(), open_user_repo(repo), IssueText("fix it"))
        finally:
            locker.rollback()
            locker.close()
    assert git(repo, "branch", "--list", "sparkwright/*") == ""
    assert git(repo, "worktree", "list").count("\n") == 0
