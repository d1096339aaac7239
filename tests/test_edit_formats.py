"""Edits written as text by small models: whole files and SEARCH/REPLACE blocks, read and applied; several
candidates tried in turn, each judged by the step's check; an edit that makes the check worse is undone."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from agent.config import Settings
from agent.engine.step.candidates import candidates
from tests.conftest import git
from tests.scripting import PLANNER, finish_review, plan, step, tc, text, write_script
from tools.blocks import search_replace, whole_files
from tools.files import loose_replace

QTY_CHECK = "python3 -m pytest -q tests/test_cart.py::test_quantity_counts_in_subtotal"
CART = (Path(__file__).parent.parent / "examples/shopcart/shopcart/cart.py").read_text()
BUGGY = "return sum(item.price_cents for item in self.items)"
FIXED = "return sum(item.price_cents * item.quantity for item in self.items)"


def test_whole_files_are_told_by_the_path_before_them_in_the_fence_or_as_the_only_file():
    reply = (
        "Here is the fix for cart.py:\n\nshopcart/cart.py\n```python\nA = 1\n```\n"
        "```python tests/test_new.py\ndef test_a():\n    pass\n```\n"
        "I also looked at utils.py:\n```\nignored = True\n```\n"
    )
    found = {f.path: f.content for f in whole_files(reply, ["shopcart/cart.py"])}
    assert found == {"shopcart/cart.py": "A = 1\n", "tests/test_new.py": "def test_a():\n    pass\n"}
    assert [f.path for f in whole_files("```\nB = 2\n```", ["only.py"])] == ["only.py"]
    labelled = whole_files("```python\n# shopcart/cart.py\nC = 3\n```", ["shopcart/cart.py", "x.py"])
    assert [(f.path, f.content) for f in labelled] == [("shopcart/cart.py", "C = 3\n")]


def test_search_replace_blocks_name_their_file_and_match_loosely():
    reply = f"shopcart/cart.py\n```python\n<<<<<<< SEARCH\n  {BUGGY}\n=======\n  {FIXED}\n>>>>>>> REPLACE\n```\n"
    (block,) = search_replace(reply, ["shopcart/cart.py", "tests/test_cart.py"])
    assert block.path == "shopcart/cart.py"
    # The model's indentation (2 spaces) is not the file's (8): the match ignores it and keeps the file's.
    new, _, _ = loose_replace(CART, block.search, block.replace)
    assert f"        {FIXED}\n" in new and BUGGY not in new
    assert loose_replace(CART, "return nothing_like_this", "x") is None


def test_local_models_get_text_formats_and_hosted_ones_tool_calls():
    settings = Settings()
    files = {"a.py": "x = 1\n"}
    local, hosted = {"fast": "llamacpp:qwen", "deep": "llamacpp:qwen"}, {"fast": "openai:gpt-4.1", "deep": "openai:o3"}
    # The single prompt greedy, then sampled; then other wordings, greedy first.
    short = [(c.format, c.temperature) for c in candidates(settings, "fast", local, files)]
    assert short == [("single_prompt", 0), ("single_prompt", 0.8), ("whole_file", 0), ("whole_file", 0.8)]
    assert [c.format for c in candidates(settings, "fast", hosted, files)] == ["tools"]
    # A small local worker under a bigger local planner: the worker's single prompt, then the planner's model runs
    # the local candidates.
    split = {"fast": "llamacpp:qwen-0.5b", "deep": "llamacpp:qwen-1.5b"}
    assert [(c.format, c.temperature, c.tier) for c in candidates(settings, "fast", split, files)] == [
        ("single_prompt", 0, None),
        ("single_prompt", 0, "deep"),
        ("single_prompt", 0.8, "deep"),
        ("whole_file", 0, "deep"),
    ]
    assert [c.tier for c in candidates(settings, "deep", split, files)] == [None] * 4
    # With no file to show, whole files are not asked for; a file too long to rewrite gets only its changed
    # definitions asked for (Python), or SEARCH/REPLACE blocks.
    assert [c.format for c in candidates(settings, "fast", local, {})] == ["tools"]
    long = {"a.py": "x = 1\n" * 400}
    assert [c.format for c in candidates(settings, "fast", local, long)] == [
        "definitions",
        "search_replace",
        "definitions",
    ]
    assert [c.format for c in candidates(settings, "fast", local, {"a.js": "x = 1;\n" * 400})] == ["search_replace"]


def run_job(cli, repo, tmp_path, fast_rules):
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", QTY_CHECK, files=["shopcart/cart.py"]))]), finish_review()],
    )
    fast = write_script(tmp_path / "fast.json", fast_rules)
    result = cli(
        "run", "--repo", repo, "--issue", "Cart total ignores item quantities",
        "--deep-model", deep, "--fast-model", fast, "--json",
    )  # fmt: skip
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result, events


def test_a_whole_file_reply_is_applied_checked_and_retried_with_the_failure(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", '[{"format": "whole_file"}]')
    monkeypatch.setenv("SPARKWRIGHT_TEXT_EDIT_TRIES", "2")
    wrong = CART.replace(BUGGY, "return sum(item.price_cents for item in self.items) * 1")
    result, events = run_job(
        cli,
        repo,
        tmp_path,
        [
            (
                "",
                [
                    text(f"shopcart/cart.py\n```python\n{wrong}```"),
                    text(f"Multiply by quantity.\n\nshopcart/cart.py\n```python\n{CART.replace(BUGGY, FIXED)}```"),
                ],
            )
        ],
    )
    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert job.status == "succeeded"
    assert FIXED in git(repo, "show", f"{job.branch}:shopcart/cart.py")
    checks = [(e["trigger"], e["passed"]) for e in events if e["kind"] == "check"]
    assert checks == [("before", False), ("finish", False), ("finish", True)]
    # The second reply was asked for with the failing test's output, cut to its failure.
    second_ask = [e for e in events if e["kind"] == "tool_call" and e["tool"] == "finish"][0]["output"]
    assert "NOT done" in second_ask and "test_quantity_counts_in_subtotal" in second_ask
    assert "whole corrected file" in second_ask


def test_for_a_file_too_long_to_rewrite_only_the_changed_method_is_asked_for_and_merged_into_it(
    cli, repo, store, tmp_path, monkeypatch
):
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", '[{"format": "whole_file"}, {"format": "definitions"}]')
    helpers = "".join(f"\n\ndef helper_{i}() -> int:\n    return {i}\n" for i in range(100))
    (repo / "shopcart" / "cart.py").write_text(CART + helpers)
    git(repo, "commit", "-qam", "a long module")
    method = f"class Cart:\n    def subtotal_cents(self) -> int:\n        {FIXED}\n"
    reply = text(f"shopcart/cart.py\n```python\n{method}```")
    result, events = run_job(cli, repo, tmp_path, [("Leave out everything you do not change", [reply])])

    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    assert job.status == "succeeded", job.outcome_reason
    # Only the definitions format was usable: the file is too long to be rewritten whole.
    assert [e["how"] for e in events if e["kind"] == "attempt_started"] == ["definitions"]
    committed = git(repo, "show", f"{job.branch}:shopcart/cart.py")
    assert FIXED in committed and BUGGY not in committed
    # The rest of the file, the class's other methods among it, is kept as it was.
    assert "def total_cents(self)" in committed and "def helper_99() -> int:" in committed
    assert committed.count("class Cart") == 1


def test_candidates_run_in_turn_from_the_same_start_and_worse_edits_are_undone(cli, repo, store, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", '[{"format": "whole_file"}, {"format": "search_replace"}]')
    monkeypatch.setenv("SPARKWRIGHT_TEXT_EDIT_TRIES", "2")
    broken = CART.replace(BUGGY, "return sum(item.price_cents for item in self.items")  # a syntax error
    block = f"shopcart/cart.py\n<<<<<<< SEARCH\n{BUGGY}\n=======\n{FIXED}\n>>>>>>> REPLACE\n"
    result, events = run_job(
        cli,
        repo,
        tmp_path,
        [
            ("WHOLE corrected file", [text(f"shopcart/cart.py\n```python\n{broken}```"), text("no idea")]),
            ("SEARCH", [text(block)]),
        ],
    )
    assert result.exit_code == 0, result.stderr
    job = store.jobs()[0]
    attempts = store.attempts(job.id)
    assert [a.status for a in attempts] == ["failed", "passed"]
    started = [e["how"] for e in events if e["kind"] == "attempt_started"]
    assert started == ["whole_file", "search_replace"]
    # The syntax error made the check worse than before it: undone at once, and the model was told so.
    assert any(e["kind"] == "edits_undone" for e in events)
    told = [e["output"] for e in events if e["kind"] == "tool_call" and e["tool"] == "finish"][0]
    assert "WORSE" in told
    assert git(repo, "show", f"{job.branch}:shopcart/cart.py") == CART.replace(BUGGY, FIXED).strip()


def test_a_reply_is_read_in_either_format_and_a_block_that_is_not_the_file_is_not_written():
    from agent.engine.step.formats import edit_format

    originals = {"shopcart/cart.py": CART, "tests/test_new.py": None}
    read = edit_format("search_replace").reader(originals).read
    # Asked for SEARCH/REPLACE blocks, the model answered with the whole file (real 1.5B behaviour): taken.
    fixed = CART.replace(BUGGY, FIXED)
    calls = read(f"shopcart/cart.py\n```python\n{fixed}```")
    assert [(c["name"], c["args"].get("path")) for c in calls] == [
        ("create_file", "shopcart/cart.py"),
        ("finish", None),
    ]
    # Git's conflict markers instead of SEARCH/REPLACE: taken as a block.
    calls = read(f"shopcart/cart.py\n<<<<<<< HEAD\n{BUGGY}\n=======\n{FIXED}\n>>>>>>> REPLACE\n")
    assert calls[0]["name"] == "edit_file" and calls[0]["args"]["new_text"].strip() == FIXED
    # An echo of the prompt, a bare path or an empty block "replacing" the file: nothing is written.
    for reply in (
        "```\n## Issue\n# Cart total ignores quantities\n```",
        "```bash\n./shopcart/cart.py\n```",
        "```\n```",
    ):
        assert read(reply) == []


def test_a_reply_with_only_the_changed_function_is_merged_into_the_file_it_belongs_to():
    """The real 1.5B's shape: a fence holding only the file name, then just the corrected function. Written whole
    it would drop the module's docstring, imports and other definitions; merged by name it is the fix."""
    from agent.engine.step.formats import edit_format

    method = textwrap.dedent(next(b for b in CART.split("\n\n") if BUGGY in b)).strip()
    reply = f"```\nshopcart/cart.py\n```\n```python\n{method.replace(BUGGY, FIXED)}\n```\n"
    for name in ("whole_file", "search_replace"):
        calls = edit_format(name).reader({"shopcart/cart.py": CART}).read(reply)
        assert [(c["name"], c["args"].get("path")) for c in calls] == [
            ("create_file", "shopcart/cart.py"),
            ("finish", None),
        ]
        assert calls[0]["args"]["content"] == CART.replace(BUGGY, FIXED)
    unchanged = f"```python\n{method}\n```\n"
    assert edit_format("whole_file").reader({"shopcart/cart.py": CART}).read(unchanged) == []
    # The whole file written back as it is: no edit, but a reply that changed nothing (judged as one).
    calls = edit_format("whole_file").reader({"shopcart/cart.py": CART}).read(f"```python\n{CART}```")
    assert [c["name"] for c in calls] == ["finish"]


def test_no_call_is_wasted_on_a_state_already_judged_or_a_greedy_request_already_sent(
    cli, repo, store, tmp_path, monkeypatch
):
    """A deterministic model answering the same wrong file: the check runs once on it; the greedy candidate that
    repeats it ends at once (its wording has given what it can), and the second, identical greedy candidate does
    not send the first one's request again: it samples, and its reply changing nothing ends it too."""
    same = '{"format": "whole_file", "temperature": 0}'
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", f"[{same}, {same}]")
    monkeypatch.setenv("SPARKWRIGHT_TEXT_EDIT_TRIES", "2")
    monkeypatch.setenv("SPARKWRIGHT_MAX_ESCALATIONS_PER_STEP", "0")
    wrong = CART.replace(BUGGY, "return sum(item.price_cents for item in self.items) * 1")
    result, events = run_job(cli, repo, tmp_path, [("", [text(f"shopcart/cart.py\n```python\n{wrong}```")])])

    job = store.jobs()[0]
    assert job.status == "failed"
    finishes = [e for e in events if e["kind"] == "check" and e["trigger"] == "finish"]
    assert len(finishes) == 1, "the wrong file was checked once"
    duplicates = [e for e in events if e["kind"] == "duplicate"]
    assert len(duplicates) >= 2 and {d["tier"] for d in duplicates} == {"fast"}
    ends = [e["reason"] for e in events if e["kind"] == "attempt_finished"]
    assert ends == ["the check failed and the reply after it changed nothing new"] * 2
    calls = [e for e in events if e["kind"] == "model_call" and e["tier"] == "fast"]
    assert not any(c["repeat"] for c in calls)
    assert len({c["request"] for c in calls}) == len(calls), "no request was sent twice"
    shown = " ".join(cli("show", job.id).output.split())
    assert "0 repeated requests" in shown and f"{len(duplicates)} replies that changed nothing new" in shown


def test_a_greedy_candidate_that_writes_the_file_back_unchanged_ends_at_once(cli, repo, store, tmp_path, monkeypatch):
    """A 1.5B's whole-file echo of the file as it is changes nothing: it is not asked again at temperature 0 (the
    same reply would come back), the next candidate starts at once."""
    greedy, fixing = '{"format": "whole_file", "temperature": 0}', '{"format": "search_replace", "temperature": 0}'
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", f"[{greedy}, {fixing}]")
    echo = text(f"shopcart/cart.py\n```python\n{CART}```")
    fix = text(f"shopcart/cart.py\n<<<<<<< SEARCH\n{BUGGY}\n=======\n{FIXED}\n>>>>>>> REPLACE\n")
    rules = [("then an edit block", [fix]), ("then the WHOLE corrected file", [echo])]
    result, events = run_job(cli, repo, tmp_path, rules)

    assert store.jobs()[0].status == "succeeded", result.output
    calls = [e for e in events if e["kind"] == "model_call" and e["tier"] == "fast"]
    ends = [e for e in events if e["kind"] == "attempt_finished"]
    assert ends[0]["reason"] == "the check failed and the reply after it changed nothing new"
    assert ends[0]["turns"] == 1 and len(calls) == 2, "one reply for the echo, one for the fix"
    assert [e["kind"] for e in events if e["kind"] == "duplicate"] == ["duplicate"]


def test_a_text_reply_that_holds_no_edit_ends_the_candidate(cli, repo, store, tmp_path, monkeypatch):
    """A small model's reply with no file in it (prose, the issue echoed back) is not asked for again: real 1.5B and
    0.5B models fixed 5 steps in 775 replies after such a one. The next candidate starts at once."""
    first, second = '{"format": "whole_file", "temperature": 0.8}', '{"format": "search_replace", "temperature": 0}'
    monkeypatch.setenv("SPARKWRIGHT_FAST_CANDIDATES", f"[{first}, {second}]")
    prose = text("# Issue\n\nThe subtotal ignores quantities. It should multiply each price by its quantity.")
    fix = text(f"shopcart/cart.py\n<<<<<<< SEARCH\n{BUGGY}\n=======\n{FIXED}\n>>>>>>> REPLACE\n")
    rules = [("then an edit block", [fix]), ("then the WHOLE corrected file", [prose, prose])]
    result, events = run_job(cli, repo, tmp_path, rules)

    assert store.jobs()[0].status == "succeeded", result.output
    calls = [e for e in events if e["kind"] == "model_call" and e["tier"] == "fast"]
    ends = [(e["outcome"], e["reason"], e["turns"]) for e in events if e["kind"] == "attempt_finished"]
    assert ends == [("no_edit", "the reply held no edit", 1), ("passed", "the check passed", 1)]
    assert len(calls) == 2, "one reply for the prose, one for the fix"


def test_a_heading_fenced_before_the_code_is_not_part_of_the_file():
    """A 1.5B wrapped a heading and then the file in one block: "```", "# Fix …", "```python", the file, "```"."""
    from tools.blocks import whole_files

    reply = f"```\n# Fix the issue in the `shopcart/cart.py` file\n\n```python\n{CART}```\n"
    (found,) = whole_files(reply, ["shopcart/cart.py", "shopcart/other.py"])
    assert (found.path, found.content) == ("shopcart/cart.py", CART)


def test_show_splits_each_steps_time_between_the_model_the_tests_the_tools_and_sparkwright(cli, repo, store, tmp_path):
    """A slow check is the tests' time, not ours: each step says where its seconds went."""
    slow = f"sleep 0.4 && {QTY_CHECK}"
    deep = write_script(
        tmp_path / "deep.json",
        [(PLANNER, [plan(step("Count quantities", slow, files=["shopcart/cart.py"]))]), finish_review()],
    )
    fix = tc("edit_file", path="shopcart/cart.py", old_text=BUGGY, new_text=FIXED)
    fast = write_script(tmp_path / "fast.json", [("", [fix, tc("finish", summary="quantities count")])])
    result = cli("run", "--repo", repo, "--issue", "Cart total ignores item quantities", "--deep-model", deep,
                 "--fast-model", fast, "--json")  # fmt: skip
    assert result.exit_code == 0, result.output

    job = store.jobs()[0]
    shown = json.loads(cli("show", job.id, "--json").output)
    (spent,) = [s["time"] for s in shown["steps"]]
    checks = [e for e in shown["events"] if e["kind"] == "check" and e["step"] == shown["steps"][0]["id"]]
    assert len(checks) == 2 and spent["tests"] == round(sum(c["seconds"] for c in checks), 2) >= 0.8
    assert spent["seconds"] >= spent["model"] + spent["tests"] + spent["tools"]
    assert abs(spent["own"] - (spent["seconds"] - spent["model"] - spent["tests"] - spent["tools"])) <= 0.02
    text_shown = " ".join(cli("show", job.id).output.split())
    assert f"tests {spent['tests']:.1f}s" in text_shown and f"sparkwright {spent['own']:.1f}s" in text_shown
