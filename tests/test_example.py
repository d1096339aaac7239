"""The newcomer's first command: the bundled example runs end to end, as a replay when no model is set."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_example_replays_a_recorded_job_when_no_model_is_configured(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPARKWRIGHT_")}
    env |= {
        "SPARKWRIGHT_HOME": str(tmp_path / "home"),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "SPARKWRIGHT_SANDBOX_ENV": '["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]',
    }
    result = subprocess.run(
        ["bash", "scripts/example.sh", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "this is a REPLAY of a recorded job" in result.stdout
    assert "SPARKWRIGHT_DEEP_MODEL" in result.stdout
    assert '"status": "succeeded"' in result.stdout
    example = tmp_path / "home" / "examples" / "shopcart"
    log = subprocess.run(["git", "-C", str(example), "log", "--all", "--format=%s"], capture_output=True, text=True)
    assert "Count item quantities in the cart subtotal" in log.stdout
