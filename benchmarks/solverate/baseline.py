"""The single-prompt baseline: the issue and the buggy file(s) in one prompt, whole corrected files back."""

from __future__ import annotations

import re
import time
from pathlib import Path, PurePosixPath

from langchain_core.messages import HumanMessage, SystemMessage

from agent.models.llm import LLM, ModelUnavailable
from benchmarks.solverate.report import Result
from benchmarks.solverate.tasks import Task, commit_all, grade, scratch_repo

SYSTEM = "You are an expert Python developer. You fix bugs in small repositories."
ASK = (
    "Fix the issue. Reply with the whole corrected content of each file you change, each in its own fenced "
    "code block directly preceded by a line holding the file's path. Change only what the issue needs."
)
_SUFFIXES = {".py", ".toml", ".csv", ".json", ".ini", ".cfg", ".txt", ".yaml", ".yml"}
_PATH = re.compile(r"[\w.-]+(?:/[\w.-]+)*\.\w+")


def prompt(task: Task, repo: Path) -> list[SystemMessage | HumanMessage]:
    parts = [f"# Issue\n\n{task.issue.read_text(encoding='utf-8').strip()}\n\n# Files\n"]
    for name in task.files:
        parts.append(f"{name}\n```\n{(repo / name).read_text(encoding='utf-8').rstrip()}\n```\n")
    parts.append(ASK)
    return [SystemMessage(SYSTEM), HumanMessage("\n".join(parts))]


def code_blocks(reply: str, files: list[str]) -> dict[str, str]:
    """Path → new content for each fenced block whose path (on the line before or the fence) can be told."""
    blocks: dict[str, str] = {}
    lines = reply.splitlines()
    i, before = 0, ""
    while i < len(lines):
        line = lines[i]
        if not line.lstrip().startswith("```"):
            before = line if line.strip() else before
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), len(lines))
        path = _path_in(line.strip()[3:], files) or _path_in(before, files) or (files[0] if len(files) == 1 else None)
        if path:
            blocks[path] = "\n".join(lines[i + 1 : end]) + "\n"
        i, before = end + 1, ""
    return blocks


def _path_in(text: str, files: list[str]) -> str | None:
    """A path named in `text`: one of the task's files first, else any file with a source or data suffix."""
    found = [PurePosixPath(c) for c in _PATH.findall(text)]
    safe = [p for p in found if ".." not in p.parts and p.parts[0] != ".git"]
    known = [str(p) for p in safe if str(p) in files]
    other = [str(p) for p in safe if p.suffix in _SUFFIXES]
    return next(iter(known + other), None)


def apply(blocks: dict[str, str], repo: Path) -> int:
    """Writes each block inside the repo (a model's path is untrusted); returns how many were written."""
    root = repo.resolve()
    written = 0
    for name, content in blocks.items():
        target = (root / name).resolve()
        if root not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        written += 1
    return written


def run_baseline(task: Task, model: LLM, scratch: Path) -> Result:
    repo = scratch_repo(task, scratch / "repo")
    started = time.perf_counter()
    try:
        reply = model.invoke(prompt(task, repo), [])
    except ModelUnavailable as exc:
        return Result(task.name, task.kind, "baseline", False, time.perf_counter() - started, str(exc)[:200], 1)
    written = apply(code_blocks(str(reply.message.content), task.files), repo)
    seconds = time.perf_counter() - started
    commit_all(repo, "baseline")
    solved, _ = grade(task, repo, "HEAD")
    return Result(
        task=task.name,
        kind=task.kind,
        mode="baseline",
        solved=solved,
        seconds=seconds,
        status=f"{written} file(s) written",
        deep_calls=1,
        deep_in=reply.tokens_in,
        deep_out=reply.tokens_out,
    )
