"""Imports flow one way: agent → tools → sandbox, agent → state. sandbox/ and state/ are leaves."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from state import SqlStore

ROOT = Path(__file__).resolve().parent.parent
OURS = {"agent", "tools", "sandbox", "state"}
ALLOWED = {
    "agent": {"agent", "tools", "sandbox", "state"},
    "tools": {"tools", "sandbox"},
    "sandbox": {"sandbox"},
    "state": {"state"},
}


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


INSIDE_AGENT = {
    "github": {"engine", "views"},
    "views": {"engine", "github"},
    "models": {"engine", "views", "github"},
    "repo": {"engine", "views", "github", "models"},
}
"""Subpackages of agent/ and the ones each must never import."""
WRITES = re.compile(r"^(add|update|create|save|revise|mark|acquire|release|heartbeat|start|finish)_?")


def agent_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
        )
        found |= {n.split(".")[1] for n in names if n.startswith("agent.") and n.count(".") >= 1}
    return found


@pytest.mark.parametrize("package", sorted(INSIDE_AGENT))
def test_agent_subpackages_keep_their_distance(package):
    for path in sorted((ROOT / "agent" / package).rglob("*.py")):
        wrong = agent_imports(path) & INSIDE_AGENT[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports agent.{sorted(wrong)}"


def test_views_only_read_the_record():
    store_writes = {name for name in dir(SqlStore) if WRITES.match(name)}
    assert {"add_event", "update_job", "create_job"} <= store_writes
    for path in sorted((ROOT / "agent" / "views").rglob("*.py")):
        calls = {node.attr for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Attribute)}
        assert not calls & store_writes, f"{path.relative_to(ROOT)} writes the record: {sorted(calls & store_writes)}"


ENGINE_GROUPS = {
    "conversation": {"planning", "step", "decisions"},
    "planning": {"step", "decisions"},
    "step": {"planning", "decisions"},
    "decisions": {"step", "planning"},
}
"""The engine's phases (agent/engine/*/) and the ones each must never import: a phase builds on the model loop
(conversation), the job context and the judge, never on another phase; graph.py alone wires them together."""
ENGINE_NEVER = {"compose", "cli", "queue", "web", "views", "github", "job_delivery"}
"""What only the composition root (and what it builds) may import: the engine is handed its pieces."""


def engine_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("agent.engine."):
            found.add(node.module.split(".")[2])
    return found


@pytest.mark.parametrize("group", sorted(ENGINE_GROUPS))
def test_engine_phases_keep_their_distance(group):
    for path in sorted((ROOT / "agent" / "engine" / group).rglob("*.py")):
        wrong = engine_imports(path) & ENGINE_GROUPS[group]
        assert not wrong, f"{path.relative_to(ROOT)} imports agent.engine.{sorted(wrong)}"


def test_the_engine_is_handed_its_pieces_by_the_composition_root():
    for path in sorted((ROOT / "agent" / "engine").rglob("*.py")):
        wrong = agent_imports(path) & ENGINE_NEVER
        assert not wrong, f"{path.relative_to(ROOT)} imports agent.{sorted(wrong)}"


def test_the_engine_top_level_stays_a_map():
    modules = [
        p.name for p in (ROOT / "agent" / "engine").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()
    ]
    assert len(modules) <= 8, sorted(modules)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each module of ours and the modules of ours it imports, at module level or inside a function."""
    paths = {module_name(path): path for package in OURS for path in (ROOT / package).rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = {f"{node.module}.{alias.name}" for alias in node.names}
                found |= {sub if sub in paths else node.module for sub in subs}  # a name, not a module: its package
        graph[name] = (found & paths.keys()) - {name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others."""
    reach = {}
    for start in graph:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        reach[start] = seen
    groups = {frozenset(n for n in reach[m] if m in reach[n]) for m in graph if m in reach[m]}
    return sorted(sorted(group) for group in groups)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": {"d"}, "f": set()}
    assert import_cycles(graph) == [["a", "b", "c"], ["d", "e"]]


def test_no_import_cycle():
    assert import_cycles(import_graph()) == []
