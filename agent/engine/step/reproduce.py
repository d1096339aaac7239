"""Reproduce first. An issue with no failing test is checked by nothing: before any fix, the fast model (under a
different local planner, the planner's) writes a small test that shows the issue (its example, expected output or
traceback), and the test is kept only when it runs and fails on the code as it is by a failed assertion or the
issue's own error, never by an import, a name, a syntax or a collection error (a test that is wrong, not code that
is). A kept test joins the step's check and its commit: the user gets the regression test, and the fix is verified
by it.

What the model writes is untrusted: it runs only in the sandbox, as any test of the repository does."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from agent.engine.context import JobContext
from agent.engine.judge import failing_part, narrow_check
from agent.engine.step.candidates import deep_helps
from agent.engine.step.formats.single_prompt import issue_as_given
from agent.faults import fault_point
from agent.models.llm import LLM, request_digest
from agent.record import ModelCall, Reproduced, ReproductionTried, read_events
from agent.test_files import is_test_path
from sandbox import CommandResult, SandboxCallError
from sandbox.confined import exists, remove, write_text
from state import Step
from tools.blocks import code_blocks

SYSTEM = "You are an expert Python developer. You write pytest tests that reproduce bug reports exactly."
ASK = (
    "Write a small pytest test file that reproduces the issue: its tests must FAIL on the code above because of "
    "the bug, and pass once the bug is fixed. Import the code as the repository's tests do, use the issue's own "
    "example, input and expected output, and assert the behaviour the issue expects. Reply with the whole test "
    "file in one fenced python code block."
)
RETRY = (
    "That test does not reproduce the issue: {why}.\n{output}\nWrite the test file again so that it runs and fails "
    "on the code as it is because of the bug, in one fenced python code block."
)
REWRITE = (
    "A test written for this issue failed on every fix tried, so what it expects may be wrong. The files above "
    "are the code with the fix chosen; the test:\n```python\n{test}```\nfails on it like this:\n{output}\n"
    "Check every expected value against the issue, then write the test file again so that it fails on the code "
    "without the fix and passes with it, in one fenced python code block."
)
NAME = "test_issue_reproduction.py"
EXAMPLE_CHARS = 1500
OUTPUT_CHARS = 1500
SAMPLE_TEMPERATURE = 0.8
_WRONG_TEST = re.compile(
    r"^E\s+(?:(?:ModuleNotFoundError|ImportError|NameError|SyntaxError|IndentationError)\b.*"
    r"|AttributeError: module .*|TypeError: .*(?:argument|positional).*|fixture '.*' not found)$",
    re.MULTILINE,
)
"""Failures that say the test is wrong (it calls what does not exist, or calls it wrongly), not the code."""
_ASKS_FOR_TEST = re.compile(r"\b(?:add|write|include|create)\s+(?:\w+\s+){0,2}?tests?\b|\bregression\s+tests?\b", re.I)
"""An issue's request for a test: "add a regression test", "write a test for it", "add tests"."""
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+::\S+)", re.MULTILINE)
_RAISED = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception|Exit|Interrupt|Warning|Iteration))(?::.*)?$")
"""A traceback's last line: the exception's (maybe dotted) name, then its message."""


@dataclass(frozen=True)
class Reproduction:
    path: str
    test: str
    command: str
    """The command that runs it: the step's check runs it first."""


def recorded(ctx: JobContext, step: Step) -> tuple[int, Reproduction | None]:
    """How many tests this step already tried (before an escalation or a crash), and the one it kept."""
    tried = len(read_events(ctx.store, ctx.job.id, ReproductionTried, step_id=step.id))
    kept = read_events(ctx.store, ctx.job.id, Reproduced, step_id=step.id)
    if not kept:
        return tried, None
    event = kept[-1].event
    return tried, Reproduction(event.path, event.test, event.command)


def put_in_place(ctx: JobContext, reproduction: Reproduction) -> None:
    write_text(ctx.workspace.path, reproduction.path, reproduction.test)


def reproduce(ctx: JobContext, step: Step, files: Mapping[str, str], tries: int) -> Reproduction | None:
    """Up to `tries` tests from the test writer's model, greedy first, then sampled; the first that holds is kept."""
    path = _free_path(ctx)
    command = narrow_check(ctx.job.test_command or "python -m pytest -q", [path], [path])
    messages: list[BaseMessage] = [SystemMessage(SYSTEM), HumanMessage(_brief(ctx, step, files))]
    seen = set[str]()
    llm = reproducer(ctx)
    for number in range(1, tries + 1):
        ctx.check_cancelled()
        temperature = 0 if number == 1 else SAMPLE_TEMPERATURE
        digest = request_digest(llm.spec, messages, [], temperature)
        fault_point("reproduce.before_model")
        reply = llm.invoke(messages, [], temperature, llm.reply_cap(files.values()))
        ctx.record.emit(ModelCall(purpose="reproduce", **llm.event(reply), request=digest), step_id=step.id)
        test = _test_in(str(reply.message.content))
        output, seconds = "", None
        if test is None:
            why = "the reply held no test file that parses"
        elif test in seen:
            why = "the same test as an earlier try"
        else:
            seen.add(test)
            try:
                write_text(ctx.workspace.path, path, test)
            except SandboxCallError as exc:  # e.g. the repo's tests/ is a link: we write nothing through it
                ctx.record.emit(
                    ReproductionTried(number=number, kept=False, why=f"cannot write it: {exc}"), step_id=step.id
                )
                return None
            result = ctx.sandbox.run(command, ctx.settings.check_timeout)
            verdict, output = wrong_for_issue(ctx, result), failing_part(result.output, OUTPUT_CHARS)
            seconds = round(result.duration, 3)
            if verdict is None:
                tried = ReproductionTried(number=number, kept=True, why=_held(result), output=output, seconds=seconds)
                ctx.record.emit(tried, step_id=step.id)
                ctx.record.emit(Reproduced(path=path, test=test, command=command, tries=number), step_id=step.id)
                ctx.record.flush()  # a resumed step finds its test before its check names it
                fault_point("reproduce.kept")
                return Reproduction(path, test, command)
            remove(ctx.workspace.path, path)
            why = verdict
        tried = ReproductionTried(number=number, kept=False, why=why, output=output, seconds=seconds)
        ctx.record.emit(tried, step_id=step.id)
        # The next try hears why: a different request, not the same one again.
        messages += [reply.message, HumanMessage(RETRY.format(why=why, output=output or "(not run)"))]
    return None


def rewritten(ctx: JobContext, step: Step, files: Mapping[str, str], test: str, output: str) -> str | None:
    """One greedy request for the test again, with the chosen fix in `files` and the old test's failure on it."""
    llm = reproducer(ctx)
    ask = REWRITE.format(test=test, output=failing_part(output, OUTPUT_CHARS))
    messages: list[BaseMessage] = [SystemMessage(SYSTEM), HumanMessage(_brief(ctx, step, files, ask))]
    digest = request_digest(llm.spec, messages, [], 0)
    reply = llm.invoke(messages, [], 0, llm.reply_cap(files.values()))
    ctx.record.emit(ModelCall(purpose="reproduce", **llm.event(reply), request=digest), step_id=step.id)
    return _test_in(str(reply.message.content))


def reproducer(ctx: JobContext) -> LLM:
    """The model that writes tests: the fast one, or a different local planner's (a 0.5B worker's tests held in
    none of 7 real tries, at 19 s each; a 1.5B planner's in 4 of 4)."""
    return ctx.llm("deep" if deep_helps(ctx.specs()) else "fast")


def wrong_for_issue(ctx: JobContext, result: CommandResult) -> str | None:
    """Why a test's run does not reproduce this job's issue, or None when it does."""
    return wrong_reproduction(result, issue_error(issue_as_given(ctx.job)))


def asks_for_test(issue: str) -> bool:
    """The issue asks for a test with the fix: the job writes one even when a test of the repository fails
    already (a test the user wrote to show the bug is not the regression test they asked for)."""
    return bool(_ASKS_FOR_TEST.search(issue))


def issue_error(issue: str) -> str | None:
    """The exception the issue's (last) traceback ends in, when it quotes one and it is not a failed assertion: a
    test reproduces that issue only by raising it."""
    found, in_traceback = None, False
    for line in issue.splitlines():
        text = line.strip().lstrip(">").strip()
        if text.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and (raised := _RAISED.match(text)):
            found, in_traceback = raised.group(1), False
    return None if found == "AssertionError" else found


def wrong_reproduction(result: CommandResult, error: str | None = None) -> str | None:
    """Why a test does not reproduce the issue on the code as it is, or None when it does. With `error`, the
    exception the issue's traceback shows, a test must fail by raising it."""
    if result.ok:
        # A small model's first test often expects the issue's error (`pytest.raises`): say that error is the bug.
        bug = f" (the issue's {error} is the bug: call the code as the issue does, so that it raises it now)"
        return "it passes on the code as it is: it does not show the issue" + (bug if error else "")
    if result.timed_out:
        return "it timed out"
    if result.exit_code != 1:
        return f"it did not run (exit {result.exit_code}): {_first_error(result.output)}"
    if wrong := _WRONG_TEST.search(result.output):
        return f"it fails by its own mistake, not the bug: {wrong.group(0)[1:].strip()[:200]}"
    if re.search(r"\b\d+ errors?\b", result.output[-2000:]):
        return "a test errored (setup or collection), not a failed assertion"
    if error and not re.search(rf"(?:^E\s+|:\d+: |^FAILED \S+ - )(?:[\w.]+\.)?{error}\b", result.output, re.M):
        said = next((line[1:].strip() for line in result.output.splitlines() if line.startswith("E ")), "")
        return f"it fails by {said[:200] or 'something else'}, not by the issue's {error}"
    return None


def failed_tests(output: str) -> set[str]:
    """The test functions pytest's summary names as failed or errored (`FAILED path::test_x - ...`)."""
    return {m.group(1) for m in _FAILED.finditer(output)}


def narrowed(reproduction: Reproduction, tests: set[str]) -> Reproduction | None:
    """The reproducing test file with only the test functions `tests` names (node ids): the others, which every
    candidate failed, are left out. None when nothing would be left out, nothing kept, or a test is a class's."""
    names = {t.split("::", 1)[1].split("[", 1)[0] for t in tests if t.count("::") == 1}
    tree = ast.parse(reproduction.test)
    if any(isinstance(n, ast.ClassDef) for n in tree.body) or not names:
        return None
    lines = reproduction.test.splitlines(keepends=True)
    dropped = [
        ((n.decorator_list[0].lineno if n.decorator_list else n.lineno) - 1, n.end_lineno or n.lineno)
        for n in tree.body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test") and n.name not in names
    ]
    if not dropped:
        return None
    for start, end in reversed(dropped):
        del lines[start:end]
    return Reproduction(reproduction.path, "".join(lines).rstrip() + "\n", reproduction.command)


def _held(result: CommandResult) -> str:
    counts = re.findall(r"\b\d+ failed\b", result.output[-2000:])
    return f"fails on the code as it is ({counts[-1] if counts else 'failed'}): it shows the issue"


def _first_error(output: str) -> str:
    """The exception pytest reports (its last `E` line), else the first line naming an error."""
    lines = output.splitlines()
    said = [line[1:].strip() for line in lines if line.startswith("E ")][-1:] or [x for x in lines if "Error" in x][:1]
    return (said or [*lines, "no output"][-1:])[0].strip()[:200]


def _test_in(reply: str) -> str | None:
    """The first code block that parses as Python and defines a test function."""
    for body in code_blocks(reply):
        try:
            tree = ast.parse(body)
        except (SyntaxError, ValueError):
            continue
        if any(isinstance(n, ast.FunctionDef) and n.name.startswith("test") for n in ast.walk(tree)):
            return body.rstrip() + "\n"
    return None


def _brief(ctx: JobContext, step: Step, files: Mapping[str, str], ask: str = ASK) -> str:
    parts = [f"# Issue\n\n{issue_as_given(ctx.job).strip()}\n\n# Files\n"]
    parts += [f"{name}\n```\n{text.rstrip()}\n```\n" for name, text in files.items() if not is_test_path(name)]
    if example := _example_test(ctx, files):
        name, text = example
        parts.append(f"# How the repository's tests import the code ({name})\n```\n{text}\n```\n")
    parts.append(ask)
    return "\n".join(parts)


def _example_test(ctx: JobContext, files: Mapping[str, str]) -> tuple[str, str] | None:
    """The start of a test of the repository that imports one of the files, else of any test."""
    modules = {p.removesuffix(".py").removeprefix("src/").replace("/", ".").removesuffix(".__init__") for p in files}
    tests = [p for p in ctx.workspace.tracked_files(ctx.job.base_commit) if is_test_path(p) and p.endswith(".py")]
    best = None
    for path in tests[:200]:
        try:
            text = ctx.reader.read_file(path)
        except (SandboxCallError, ValueError):
            continue
        if any(m.rsplit(".", 1)[-1] in text for m in modules):
            return path, text[:EXAMPLE_CHARS]
        best = best or (path, text[:EXAMPLE_CHARS])
    return best


def _free_path(ctx: JobContext) -> str:
    folder = "tests/" if (ctx.workspace.path / "tests").is_dir() else ""
    path, number = f"{folder}{NAME}", 1
    while exists(ctx.workspace.path, path):
        number += 1
        path = f"{folder}test_issue_reproduction_{number}.py"
    return path
