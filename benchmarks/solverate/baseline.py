"""The single-prompt baseline: exactly the request a quick job's first candidate sends (`single_prompt`), with the
files the job's triage finds, at temperature 0; the reply read and applied as the job reads and applies it."""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import ValidationError

from agent.engine.planning.triage import DEFAULT_TEST_COMMAND, pointed_to
from agent.engine.step.formats import edit_format
from agent.engine.step.formats.single_prompt import single_prompt
from agent.issue import job_title, read_issue
from agent.models.llm import LLM, ModelUnavailable
from agent.test_files import is_test_path
from benchmarks.solverate.grading import grade
from benchmarks.solverate.report import Result
from benchmarks.solverate.tasks import Staged, Task, commit_all, run_tests
from sandbox import SandboxCallError
from sandbox.confined import WorkspaceView
from sandbox.local import LocalSandbox
from tools.base import ToolError
from tools.files import CreateArgs, EditArgs, create_file, edit_file


@dataclass(frozen=True)
class Sample:
    solved: bool
    seconds: float
    status: str
    tokens_in: int = 0
    tokens_out: int = 0
    model_seconds: float = 0.0
    tokens_cached: int = 0


def discovered_files(staged: Staged) -> list[str]:
    """The files a quick job's step gets: triage's, from the first test run, the issue and the failing tests'
    imports, test files left out (the quick step names none)."""
    code, output = run_tests(staged.repo, _test_command(staged.repo))
    issue = read_issue(None, staged.issue)
    found = pointed_to(WorkspaceView(staged.repo), f"# {job_title(issue)}\n\n{issue.text}", output, code == 0)
    return [f for f in found.files if not is_test_path(f)]


def _test_command(repo: Path) -> str:
    """The command triage runs first: the repo's .sparkwright.toml test_command, else pytest."""
    config = repo / ".sparkwright.toml"
    configured = tomllib.loads(config.read_text()).get("test_command") if config.is_file() else None
    return configured if isinstance(configured, str) else DEFAULT_TEST_COMMAND


def request(staged: Staged, files: list[str]) -> list[SystemMessage | HumanMessage]:
    contents = {name: (staged.repo / name).read_text(encoding="utf-8") for name in files}
    system, user = single_prompt(read_issue(None, staged.issue).text, contents)
    return [SystemMessage(system), HumanMessage(user)]


def sample(task: Task, staged: Staged, files: list[str], model: LLM, temperature: float, timeout: float) -> Sample:
    """One request, its reply applied and committed, the result graded; over `timeout` seconds counts as unsolved."""
    started = time.perf_counter()
    try:
        reply = model.invoke(request(staged, files), [], temperature)
    except ModelUnavailable as exc:
        return Sample(False, time.perf_counter() - started, str(exc)[:200])
    answered = time.perf_counter() - started
    status = apply_reply(str(reply.message.content), staged.repo, files)
    seconds = time.perf_counter() - started
    commit_all(staged.repo, "baseline")
    verdict = grade(task, staged.repo, "HEAD")
    solved = verdict.solved and seconds <= timeout
    why = verdict.why if seconds <= timeout else f"over the {timeout:.0f} s limit"
    return Sample(solved, seconds, f"{status}; {why}", reply.tokens_in, reply.tokens_out, answered, reply.tokens_cached)


def apply_reply(reply: str, repo: Path, files: list[str]) -> str:
    """The reply read by the single prompt's reader and its edits made by the worker's own file tools."""
    root = WorkspaceView(repo)
    originals: dict[str, str | None] = {name: root.read_file(name) for name in files}
    reader = edit_format("single_prompt").reader(originals)
    assert reader is not None, "the single prompt is a text format"
    sandbox = LocalSandbox(repo)
    done, refused = 0, []
    for call in reader.read(reply):
        try:
            if call["name"] == "create_file":
                create_file(sandbox, _anywhere, CreateArgs(**call["args"]))
            elif call["name"] == "edit_file":
                edit_file(sandbox, _anywhere, EditArgs(**call["args"]))
            else:
                continue
            done += 1
        except (ToolError, SandboxCallError, ValidationError, ValueError) as exc:
            refused.append(str(exc).splitlines()[0][:80])
    return f"{done} edit(s)" + (f", {len(refused)} refused ({refused[0]})" if refused else "")


def _anywhere(path: str) -> None:
    """The baseline may edit any file of the repo (the paths are still confined to it by the sandbox)."""


def result(task: Task, mode: str, variant: str, files: list[str], samples: list[Sample], model: LLM) -> Result:
    solved = [s for s in samples if s.solved]
    tier = model.tier
    row = Result(
        task=task.name,
        kind=task.kind,
        mode=mode,
        variant=variant,
        solved=bool(solved),
        seconds=sum(s.seconds for s in samples),
        model_seconds=sum(s.model_seconds for s in samples),
        status=samples[0].status if len(samples) == 1 else f"{len(solved)} of {len(samples)} samples solved",
        files=files,
        samples=len(samples),
        samples_solved=len(solved),
        first_cached=samples[0].tokens_cached,
    )
    setattr(row, f"{tier}_calls", len(samples))
    setattr(row, f"{tier}_in", sum(s.tokens_in for s in samples))
    setattr(row, f"{tier}_out", sum(s.tokens_out for s in samples))
    return row
