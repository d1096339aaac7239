"""Attack: a model's code block merged into a file by definition name. Whatever path the reply names (a file
outside the step, outside the workspace, the git directory), a merge only ever writes one of the step's own files,
and only code that parses."""

from __future__ import annotations

import pytest

from agent.engine.step.formats import edit_format

FILES = {
    "pkg/calc.py": '"""Calc."""\n\nimport math\n\n\ndef add(a, b):\n    return a - b\n\n\ndef root(x):\n'
    "    return math.sqrt(x)\n"
}
FIX = "def add(a, b):\n    return a + b\n"


@pytest.mark.parametrize(
    "label", ["/etc/cron.d/evil.py", "../../outside.py", ".git/hooks/pre-commit.py", "pkg/other.py", "setup.py"]
)
@pytest.mark.parametrize("form", ["whole_file", "search_replace"])
def test_a_merge_writes_only_the_steps_own_files(label, form):
    reply = f"{label}\n```python\n{FIX}```\n```python {label}\ndef payload():\n    import os\n```\n"
    calls = edit_format(form).reader(FILES).read(reply)
    written = {c["args"]["path"] for c in calls if c["name"] in ("create_file", "edit_file")}
    assert written <= set(FILES)


def test_a_fragment_that_does_not_parse_is_never_merged():
    calls = edit_format("whole_file").reader(FILES).read("```python\ndef add(a, b):\n    return a +\n```\n")
    assert calls == []
