"""The typed record: every event kind has a model, payloads keep their keys, older payloads still read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent import record
from agent.compose.recorder import Recorder
from state import SqlStore
from tests.test_architecture import agent_imports

ROOT = Path(__file__).resolve().parent.parent


def emitted_kinds() -> set[str]:
    """Kinds emitted by name anywhere in agent/: `emit("kind", ...)`."""
    kinds = set()
    for path in (ROOT / "agent").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", None)) == "emit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                kinds.add(node.args[0].value)
    return kinds


def test_the_record_depends_on_no_part_that_uses_it():
    for path in sorted((ROOT / "agent" / "record").rglob("*.py")):
        assert not agent_imports(path) & {"engine", "views", "github", "repo"}, path


def test_every_kind_emitted_by_name_has_a_model():
    assert emitted_kinds() <= set(record.EVENT_TYPES)


def test_a_payload_keeps_exactly_the_keys_given():
    run = record.TestRun(command=None, passed=False, output="no test command")
    assert run.payload() == {"command": None, "passed": False, "output": "no test command"}
    call = record.event_from("model_call", {"purpose": "plan", "tier": "deep", "tool_calls": [{"name": "view_file"}]})
    assert list(call.payload()) == ["purpose", "tier", "tool_calls"]


def test_the_deep_loops_events_keep_the_key_order_they_are_emitted_in():
    # The deliberation's emit is partial(emit, step_id=..., purpose=...): its purpose comes first.
    tool = {
        "purpose": "plan",
        "tier": "deep",
        "tool": "view_file",
        "args": {},
        "ok": True,
        "output": "x",
        "seconds": 0.1,
    }
    assert list(record.event_from("tool_call", tool).payload()) == list(tool)
    assert list(record.event_from("steering", {"purpose": "plan", "message": "m"}).payload()) == ["purpose", "message"]


def test_older_payloads_read_with_defaults_and_newer_keys_are_left_out():
    done = record.StepDone.read({"title": "t", "commit": "abc", "summary": "s", "added_later": 1})
    assert done.out_of_scope == [] and done.payload() == {"title": "t", "commit": "abc", "summary": "s"}
    tool = record.ToolCall.read({"tool": "view_file", "args": {"path": "a"}, "ok": True, "output": "x"})
    assert (tool.tier, tool.seconds, tool.since_reply_ms) == ("fast", 0.0, None)


def test_a_wrong_field_or_kind_fails_where_it_is_emitted():
    with pytest.raises(ValidationError):
        record.event_from("check", {"passed": True, "exitcode": 0})
    with pytest.raises(record.UnknownEventKind):
        record.event_from("step_finished", {})


def test_the_recorder_stores_and_shows_the_models_payload(database):
    with SqlStore(database) as store:
        store.create_job(
            id="j1",
            issue_text="x",
            repo_path="/r",
            base_commit="0",
            branch="b",
            worktree_path="/w",
            deep_model="d",
            fast_model="f",
        )
        shown = []
        with Recorder(store, "j1", [shown.append]) as recorder:
            recorder.emit(record.StepDone(title="t", commit="abc"), step_id=3)
            recorder.emit("steering", message="hi")
        assert [e.payload for e in store.events("j1")] == [{"title": "t", "commit": "abc"}, {"message": "hi"}]
        (done, steering) = record.read_events(store, "j1")
        assert done.step_id == 3 and isinstance(done.event, record.StepDone) and steering.event.purpose == "worker"
        assert shown[0].line()["kind"] == "step_done" and shown[0].line()["commit"] == "abc"


def test_a_host_secret_reaches_neither_the_record_nor_its_listeners(database, monkeypatch):
    monkeypatch.setenv("SOME_API_TOKEN", "s3cret-value-42")
    with SqlStore(database) as store:
        store.create_job(
            id="j1",
            issue_text="x",
            repo_path="/r",
            base_commit="0",
            branch="b",
            worktree_path="/w",
            deep_model="d",
            fast_model="f",
        )
        shown = []
        with Recorder(store, "j1", [shown.append]) as recorder:
            recorder.emit(record.ToolCall(tool="run", output="token=s3cret-value-42"))
        assert [e.payload["output"] for e in store.events("j1")] == ["token=***"]
        assert shown[0].line()["output"] == "token=***"
