"""Candidates at once: after a step's first candidate failed, the others run side by side in lanes (worktrees beside
the job's, each with its own sandbox) against a real HTTP server standing in for an OpenAI-compatible one; the
first that passes wins and the others are cut off mid-reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.compose.recorder import Recorder
from agent.engine.step.lanes import Steering
from agent.views.timeline import timeline
from tests.conftest import git
from tests.model_fakes import FakeOpenAI
from tests.sandbox_fixtures import image_under_test, require_docker, sparkwright_container_ids
from tests.scripting import tc, text, write_script
from tests.test_state import JOB

ISSUE = "Cart subtotal ignores quantities: 3 apples at 120 cents give 120, not 360."
SINGLE_PROMPT = "You fix bugs in small repositories"
WHOLE_FILE = "then the WHOLE corrected file"
SEARCH_REPLACE = "then an edit block"


def cart(repo: Path, subtotal: str) -> dict[str, str]:
    """A whole-file reply: the cart module with its subtotal line as given."""
    source = (repo / "shopcart" / "cart.py").read_text()
    fixed = source.replace("sum(item.price_cents for item in self.items)", subtotal)
    return text(f"shopcart/cart.py\n```python\n{fixed}```")


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARKWRIGHT_MODE", "quick")


def run(cli, repo: Path, tmp: Path, fake: FakeOpenAI, sandbox: str):
    deep = write_script(tmp / "deep.json", [("", [tc("stuck", reason="no")])])
    return cli(
        "run", "--repo", repo, "--issue", ISSUE, "--deep-model", deep, "--sandbox", sandbox,
        "--fast-model", "openai-compatible:qwen", "--fast-base-url", fake.base_url, "--json",
    )  # fmt: skip


@pytest.mark.parametrize("sandbox", ["local", pytest.param("docker", marks=pytest.mark.docker)])
def test_after_the_first_candidate_fails_the_others_run_at_once_and_the_first_to_pass_wins(
    sandbox, cli, repo, store, home, tmp_path, quick, monkeypatch
):
    if sandbox == "docker":
        require_docker()
        monkeypatch.setenv("SPARKWRIGHT_DOCKER_IMAGE", image_under_test())
    containers = sparkwright_container_ids() if sandbox == "docker" else set()
    monkeypatch.setenv("SPARKWRIGHT_PARALLEL_CANDIDATES", "3")
    formats = ["single_prompt", "whole_file", "search_replace", "whole_file"]
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", json.dumps([{"format": f, "temperature": 0} for f in formats]))
    with FakeOpenAI() as fake:
        fake.script(SINGLE_PROMPT, [cart(repo, "sum(item.price_cents + item.quantity for item in self.items)")])
        # A long reply, slowly: still coming when a faster candidate has passed.
        slow = text("shopcart/cart.py\n" + "<<<<<<< SEARCH\n" + "x = 1\n" * 400)
        fake.script(SEARCH_REPLACE, [slow], stream_delay=0.05)
        fake.script(WHOLE_FILE, [cart(repo, "sum(item.price_cents * item.quantity for item in self.items)")])
        result = run(cli, repo, tmp_path, fake, sandbox)

        assert result.exit_code == 0, result.output
        job = store.jobs()[0]
        assert job.status == "succeeded", job.outcome_reason
        assert "item.price_cents * item.quantity" in git(repo, "show", f"{job.branch}:shopcart/cart.py")
        attempts = store.attempts(job.id)
        assert attempts[0].status == "failed"  # the single prompt, alone, first
        # The other three started together; one whole-file candidate won, the slow one was stopped mid-reply.
        assert len(attempts) == 4 and "passed" in {a.status for a in attempts[1:]}
        assert "interrupted" in {a.status for a in attempts[1:]}
        assert fake.cut_off >= 1
        events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        ends = [e["outcome"] for e in events if e["kind"] == "attempt_finished"]
        assert ends[0] == "check_failed" and "passed" in ends and "stopped" in ends
        # Every reply is streamed: its first token is timed, and one running with others can be cut off.
        requests = fake.requests_to("/v1/chat/completions")
        assert len(requests) >= 4 and all(r.json.get("stream") for r in requests)
    # The job page's timeline draws the candidates that ran at once one under another.
    lanes = {lane: rows for lane, _, rows in timeline(store, job.id).lanes()}
    assert lanes["candidates"] == 3  # (the instant replies' own bars may not overlap: not asserted)
    # The lanes are gone with the run: no worktree of theirs in the user's repository, no branch either.
    assert ".lane" not in git(repo, "worktree", "list", "--porcelain")
    assert sorted(git(repo, "branch", "--format=%(refname:short)").split()) == sorted(["main", job.branch])
    assert not list(home.glob("worktrees/*.lane*"))
    if sandbox == "docker":  # each lane had a container of its own: none is left
        assert sparkwright_container_ids() == containers


def test_steering_reaches_every_candidate_running_at_once(store):
    """The record hands each steering message out once, to whoever asks first: lanes share it."""
    store.create_job(id="j1", **JOB)
    with Recorder(store, "j1") as record:
        steering = Steering(record, 3)
        first, second, third = (steering.lane(n) for n in range(3))
        store.add_steering("j1", "use the helper in utils.py")
        record.flush()  # the record has fetched it
        assert first.steering() == ["use the helper in utils.py"]
        store.add_steering("j1", "and keep the old name")
        record.flush()
        assert second.steering() == ["use the helper in utils.py", "and keep the old name"]
        assert third.steering() == ["use the helper in utils.py", "and keep the old name"]
        assert first.steering() == ["and keep the old name"] and first.steering() == []
        first.emit("steering", message="use the helper in utils.py")
    assert [e.payload for e in store.events("j1", ["steering"])] == [{"message": "use the helper in utils.py"}]
