"""The newcomer's first command: the bundled example runs end to end, as a replay when no model is set."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.model_fakes import FakeOpenAI
from tests.test_bad_input import closed_port

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_replays_a_recorded_job_when_no_model_is_configured(tmp_path):
    """A local model server answers too (on a port of the test's choosing): the notice says how to use it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPARKWRIGHT_")}
    with FakeOpenAI() as server:
        env |= {
            "SPARKWRIGHT_HOME": str(tmp_path / "home"),
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "SPARKWRIGHT_SANDBOX_ENV": '["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]',
            "SPARKWRIGHT_LOCAL_SERVERS": json.dumps([f"http://127.0.0.1:{closed_port()}/v1", server.base_url]),
        }
        result = subprocess.run(
            ["bash", "scripts/example.sh", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "this is a REPLAY of a recorded job" in result.stdout
    assert "SPARKWRIGHT_DEEP_MODEL" in result.stdout
    spec = "openai-compatible:qwen"
    settings = f"SPARKWRIGHT_DEEP_MODEL={spec} SPARKWRIGHT_FAST_MODEL={spec} SPARKWRIGHT_BASE_URL={server.base_url}"
    assert f"a local OpenAI-compatible model server answers at {server.base_url}" in result.stdout
    assert settings in result.stdout
    assert '"status": "succeeded"' in result.stdout
    example = tmp_path / "home" / "examples" / "shopcart"
    log = subprocess.run(["git", "-C", str(example), "log", "--all", "--format=%s"], capture_output=True, text=True)
    # One failing test file: the default mode takes the quick path, one step and no planner call.
    assert "Resolve the issue: Cart total ignores item quantities" in log.stdout
