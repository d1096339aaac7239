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


SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def checkout_copy(dest: Path) -> Path:
    """The checkout as a fresh clone has it (tracked and new files, no .venv): the newcomer's tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source, target = ROOT / name, dest / name
        if source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
            target.chmod(source.stat().st_mode)
    return dest


def system_site_packages() -> dict[str, list[str]]:
    code = "import json, site, sys; print(json.dumps(site.getsitepackages() + [site.getusersitepackages()]))"
    paths = json.loads(
        subprocess.run(["python3", "-c", code], env={"PATH": SYSTEM_PATH}, capture_output=True, text=True).stdout
    )
    return {p: sorted(os.listdir(p)) if os.path.isdir(p) else [] for p in paths}


def test_the_example_runs_on_a_newcomers_machine(tmp_path):
    """`env -i`, the system's python3 only, an empty HOME: the replay succeeds and installs nothing outside the
    checkout's .venv (no `pip install --user`, which the distribution's Python refuses anyway)."""
    checkout = checkout_copy(tmp_path / "sparkwright")
    home = tmp_path / "home"
    home.mkdir()
    before = system_site_packages()

    result = subprocess.run(
        ["env", "-i", f"PATH={SYSTEM_PATH}", f"HOME={home}", "bash", "scripts/example.sh"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=900,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "this is a REPLAY of a recorded job" in output
    assert "\nsucceeded: all steps done and the full test run passed" in output, output[-2000:]
    example = home / ".sparkwright" / "examples" / "shopcart"
    log = subprocess.run(["git", "-C", str(example), "log", "--all", "--format=%s"], capture_output=True, text=True)
    assert "Resolve the issue: Cart total ignores item quantities" in log.stdout
    assert sorted(p.name for p in home.iterdir()) == [".sparkwright"], "only sparkwright's own data dir is written"
    assert system_site_packages() == before
