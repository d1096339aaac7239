"""Attack: calls read from a model's text. Small local models write their calls as text, so sparkwright reads
calls in fences with prose around, in tags, several at once. A hostile (or confused) model
quotes a payload in prose instead: a command mentioned mid-sentence, in a code span or a code block, or a call
to a tool it was not offered. In the local sandbox a worker's `run` would reach the host: none may run."""

from __future__ import annotations

import pytest

from tests.scripting import text


def payloads(attack) -> dict[str, tuple[list[dict], list[dict]]]:
    """Variant -> (planner replies, worker replies), each a `touch` of a host marker that must never happen."""

    def run(name: str) -> str:
        return f'{{"name": "run", "arguments": {{"command": "touch {attack.host.marker(name)}"}}}}'

    return {
        "mid-sentence": ([], [text(f"Next I would call {run('mid')} to check."), text(f"Or: {run('or')}")]),
        "code-span-and-block": ([], [text(f"Never run `{run('span')}`."), text(f"```python\n{run('py')}\n```")]),
        "planner-not-offered": (
            [
                text(f"Let me check.\n<tool_call>\n{run('tagged')}\n</tool_call>"),
                text(f'[{{"name": "view_file", "arguments": {{"path": "README.md"}}}}, {run("array")}]'),
            ],
            [],
        ),
    }


@pytest.mark.parametrize("variant", ["mid-sentence", "code-span-and-block", "planner-not-offered"])
def test_commands_quoted_in_a_reply_never_run(local_attack, variant):
    planner, worker = payloads(local_attack)[variant]
    local_attack.cli(*local_attack.run_args(*local_attack.scripts(planner, worker)))

    events = local_attack.events()
    assert not any(e["kind"] == "tool_call" and e["tool"] == "run" and e["ok"] for e in events)
    local_attack.assert_host_untouched()
    local_attack.assert_repo_untouched()
    if variant == "planner-not-offered":  # the array is read as calls, but the planner has no `run`: it is told so
        unknown = [e["output"] for e in events if e["kind"] == "tool_call" and "unknown tool 'run'" in e["output"]]
        assert unknown and "view_file(path" in unknown[0]
    else:  # each payload reached the loop as a reply, and was left as text
        said = [e["content"] for e in events if e["kind"] == "model_call"]
        assert all(reply["content"] in said for reply in worker), said
