"""`sparkwright --help` answers at once and a job resumes without waiting for what it does not use: the engine
(LangGraph, LangChain) loads only for the commands that run a job, and Docker, the queue, the web server and
Postgres's driver only where a job or a command uses them. Importing them all took a second before anything
was printed. Nor does the garbage collector walk what a command imported (agent.heap), while its job still
collects. The times themselves are benchmarks/cli_startup.py's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from state import JobStatus, SqlStore
from tests.conftest import make_repo
from tests.scripting import PLANNER, finish_review, note_step, plan, tc, write_note, write_script

ROOT = Path(__file__).resolve().parent.parent
# `python -m agent ARGS` in a fresh interpreter, then the modules it loaded as the last line of its output.
PROBE = """
import json, runpy, sys
sys.argv[0] = "sparkwright"
try:
    runpy.run_module("agent", run_name="__main__")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""
ENGINE = {"langgraph", "langchain_core", "langsmith"}
ELSEWHERE = {"docker", "celery", "psycopg", "jinja2", "uvicorn", "langchain_openai", "langchain_anthropic"}


def loaded(*args: str) -> set[str]:
    """The top-level packages `sparkwright ARGS` loaded."""
    out = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout, out.stderr
    return {name.split(".")[0] for name in json.loads(out.stdout.splitlines()[-1])}


def test_help_loads_only_the_command_line():
    for args in (["--help"], ["run", "--help"], ["resume", "--help"], ["submit", "--help"], ["serve", "--help"]):
        heavy = loaded(*args) & (ENGINE | ELSEWHERE | {"sqlalchemy", "pydantic_settings", "git", "httpx"})
        assert not heavy, f"sparkwright {' '.join(args)} loads {sorted(heavy)}"


def test_commands_on_the_record_load_no_engine():
    for args in (["jobs"], ["show", "nosuchjob"], ["stop", "nosuchjob"], ["steer", "nosuchjob", "go on"]):
        heavy = loaded(*args) & (ENGINE | ELSEWHERE)
        assert not heavy, f"sparkwright {' '.join(args)} loads {sorted(heavy)}"


def test_a_local_job_resumes_without_docker_the_queue_or_postgres(tmp_path, home):
    repo = make_repo(tmp_path / "repo")
    deep = write_script(tmp_path / "deep.json", [(PLANNER, [plan(note_step(), test_command="true")]), finish_review()])
    fast = write_script(tmp_path / "fast.json", [("", [write_note(), tc("finish", summary="noted")])])
    killed = subprocess.run(
        [sys.executable, "-m", "agent", "run", "--repo", str(repo), "--issue", "Add a note", "--planned"]
        + ["--deep-model", deep, "--fast-model", fast],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "SPARKWRIGHT_FAULT": "worker.before_model"},
    )
    assert killed.returncode == -9, killed.stderr
    (job_id,) = (p.name for p in (home / "worktrees").iterdir())

    modules = loaded("resume", job_id, "--json")

    with SqlStore(home / "sparkwright.db") as store:
        assert store.job(job_id).status == JobStatus.SUCCEEDED
    assert not modules & ELSEWHERE, f"a local job's resume loads {sorted(modules & ELSEWHERE)}"


# The collector is off while a command imports (agent.heap); this counts its collections once the job's engine is in.
COLLECTIONS = """
import gc, json, runpy, sys
sys.argv[0] = "sparkwright"
made = []
gc.callbacks.append(lambda phase, info: phase == "stop" and "agent.compose" in sys.modules and made.append(1))
try:
    runpy.run_module("agent", run_name="__main__")
except SystemExit:
    pass
print(json.dumps([len(made), gc.isenabled()]))
"""


def test_a_job_collects_its_garbage_though_its_command_started_without_the_collector(tmp_path, home):
    repo = make_repo(tmp_path / "repo")
    deep = write_script(tmp_path / "deep.json", [(PLANNER, [plan(note_step(), test_command="true")]), finish_review()])
    fast = write_script(tmp_path / "fast.json", [("", [write_note(), tc("finish", summary="noted")])])
    args = ["run", "--repo", str(repo), "--issue", "Add a note", "--planned", "--deep-model", deep]
    out = subprocess.run(
        [sys.executable, "-c", COLLECTIONS, *args, "--fast-model", fast], capture_output=True, text=True, cwd=ROOT
    )

    collections, enabled = json.loads(out.stdout.splitlines()[-1])
    assert collections > 0 and enabled, out.stderr
    with SqlStore(home / "sparkwright.db") as store:
        assert [job.status for job in store.jobs()] == [JobStatus.SUCCEEDED]


SECOND_JOB = """
import gc, weakref
from agent import heap

class Node:
    pass

heap.hold()
heap.settle()  # a worker's first job
first = Node()
first.me = first  # a cycle the first job left behind
left = weakref.ref(first)
del first
heap.settle()  # its next job
gc.collect()
print(left() is None)
"""


def test_a_workers_next_job_does_not_keep_what_the_last_one_left_for_the_collector():
    out = subprocess.run([sys.executable, "-c", SECOND_JOB], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.split() == ["True"], out.stderr
