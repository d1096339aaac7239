"""Imports flow one way: agent → tools → sandbox, agent → state. sandbox/ and state/ are leaves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OURS = {"agent", "tools", "sandbox", "state"}
ALLOWED = {"agent": {"agent", "tools", "sandbox", "state"}, "tools": {"tools", "sandbox"},
           "sandbox": {"sandbox"}, "state": {"state"}}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package):
    for path in sorted((ROOT / package).rglob("*.py")):
        wrong = imported_packages(path) - ALLOWED[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"


def test_importing_does_no_io(tmp_path, monkeypatch):
    """No directories made, no env read into globals at import time: importing the CLI touches nothing."""
    import subprocess
    import sys
    home = tmp_path / "home"
    code = "import agent.cli, agent.engine.graph, sandbox.docker, state, tools"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    assert not home.exists()
