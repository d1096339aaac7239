"""The solve-rate benchmark: its tasks are honest, and its grader tells a right fix from a wrong one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "solve_rate.py"
TASKS = ROOT / "benchmarks" / "tasks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def bench(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=dict(os.environ), capture_output=True, text=True, timeout=timeout
    )


def test_every_bundled_task_fails_without_its_fix_and_passes_with_it():
    count = len(list(TASKS.glob("*/task.toml")))

    result = bench("--verify")

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert count >= 22
    assert f"{count} of {count} tasks ok" in result.stdout


def test_verify_reports_a_task_whose_fix_does_not_fix_it(tmp_path):
    shutil.copytree(TASKS / "discount", tmp_path / "discount")
    shutil.copytree(
        TASKS / "discount" / "repo" / "checkout", tmp_path / "discount" / "fix" / "checkout", dirs_exist_ok=True
    )

    result = bench("--verify", "--tasks-dir", str(tmp_path))

    assert result.returncode == 1
    assert "discount" in result.stdout and "BAD: the tests fail with the fix" in result.stdout


def test_scripted_models_are_graded_by_the_hidden_tests_in_every_mode(tmp_path):
    """discount is fixed right by both scripts; stock_alert gets a fix that passes the visible tests only."""
    out = tmp_path / "results.jsonl"
    before = (TASKS / "stock_alert" / "repo" / "warehouse" / "alerts.py").read_text()

    result = bench(
        "--tasks=discount,stock_alert",
        "--modes=baseline-oracle-files,planned",
        "--variants=hidden",
        "--baseline-tier=deep",
        f"--deep-model=scripted:{FIXTURES / 'solve_rate_deep.json'}",
        f"--fast-model=scripted:{FIXTURES / 'solve_rate_fast.json'}",
        f"--out={out}",
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    records = {(r["task"], r["mode"]): r for r in lines if "task" in r}
    assert {r["variant"] for r in records.values()} == {"hidden"}
    solved = {key: r["solved"] for key, r in records.items()}
    assert solved == {
        ("discount", "baseline-oracle-files"): True,
        ("stock_alert", "baseline-oracle-files"): False,
        ("discount", "planned"): True,
        ("stock_alert", "planned"): False,
    }
    assert records["stock_alert", "planned"]["status"].startswith("succeeded")  # the job thought it was done
    planned = records["discount", "planned"]
    assert planned["deep_calls"] >= 2 and planned["fast_calls"] >= 2 and planned["fast_in"] > 0
    baseline = records["discount", "baseline-oracle-files"]
    assert baseline["deep_calls"] == 1 and baseline["deep_out"] > 0
    assert baseline["temperature"] == 0 and baseline["baseline_model"].startswith("scripted:")
    assert baseline["files"] == ["checkout/discounts.py"]  # the task's own list
    assert planned["repeats"] == 0 and planned["duplicates"] == 0 and planned["timeout"] == 600
    assert len(planned["commit"]) >= 40 and planned["deep_model"].startswith("scripted:")
    summaries = {s["summary"]["mode"]: s["summary"] for s in lines if "summary" in s}
    assert summaries["baseline-oracle-files"]["solved"] == 1 and summaries["planned"]["solved"] == 1
    assert "planned               hidden  solved   1/2" in result.stdout
    assert (TASKS / "stock_alert" / "repo" / "warehouse" / "alerts.py").read_text() == before


def test_the_baseline_applies_a_reply_as_the_agent_reads_it_and_never_outside_the_repo(tmp_path):
    from benchmarks.solverate.baseline import apply_reply

    repo = tmp_path / "repo"
    (repo / "pager").mkdir(parents=True)
    (repo / "pager" / "pages.py").write_text("def pages(n):\n    return n // 10\n")
    reply = (
        "pager/pages.py\n```python\ndef pages(n):\n    return -(-n // 10)\n```\n\n"
        "../outside.py\n```python\nc = 3\n```\n"
    )

    status = apply_reply(reply, repo, ["pager/pages.py"])

    assert (repo / "pager" / "pages.py").read_text() == "def pages(n):\n    return -(-n // 10)\n"
    assert not (tmp_path / "outside.py").exists()
    assert status.startswith("1 edit(s)")


def _fixed_discounts() -> str:
    source = (TASKS / "discount" / "repo" / "checkout" / "discounts.py").read_text()
    return source.replace("total_cents + total_cents", "total_cents - total_cents")


@pytest.mark.parametrize("server", ["openai-compatible", "llama.cpp"])
def test_the_baseline_sends_exactly_what_a_quick_jobs_first_candidate_sends(tmp_path, server):
    """A local server (a loopback fake) answers both; their requests are compared on the wire. Both start from a
    cache that holds neither: the slots emptied before each task, and on llama.cpp, whose host memory keeps the
    quick job's request, the baseline asks not to reuse it."""
    from tests.model_fakes import FakeLlamaCpp, FakeOpenAI
    from tests.scripting import finish_review, text

    out, fake_server = tmp_path / "results.jsonl", FakeLlamaCpp if server == "llama.cpp" else FakeOpenAI
    with fake_server() as fake:
        fake.script(
            "# Issue\n\n# Discount codes make", [text(f"checkout/discounts.py\n```python\n{_fixed_discounts()}```")]
        )
        fake.script(*finish_review())
        result = bench(
            "--tasks=discount",
            "--modes=baseline,quick",
            "--variants=visible",
            "--deep-model=llamacpp:qwen",
            "--fast-model=llamacpp:qwen",
            f"--base-url={fake.base_url}",
            f"--out={out}",
            timeout=300,
        )
        asked = [r.json for r in fake.requests_to("/v1/chat/completions")]

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    single = [r for r in asked if "# Issue" in str(r["messages"])]
    assert len(single) == 2, [str(r["messages"])[:200] for r in asked]
    candidate, baseline = single
    assert baseline["messages"] == candidate["messages"]
    assert [m["role"] for m in baseline["messages"]] == ["system", "user"]
    assert baseline["temperature"] == candidate["temperature"] == 0
    assert "cache_prompt" not in candidate
    rows = [r for r in map(json.loads, out.read_text().splitlines()) if "task" in r]
    records = {r["mode"]: r for r in rows}
    assert records["baseline"]["solved"] and records["quick"]["solved"]
    # The baseline goes last: a server's prompt cache that outlives its slots gives any head start to the baseline.
    assert [r["mode"] for r in rows] == ["quick", "baseline"]
    assert records["quick"]["first_cached"] == 0
    if server == "llama.cpp":
        assert baseline["cache_prompt"] is False
        assert records["baseline"]["first_cached"] == 0 and records["baseline"]["cold_cache"]
    else:
        assert "cache_prompt" not in baseline  # another server may refuse what it does not know
        assert records["baseline"]["first_cached"] > 0 and not records["baseline"]["cold_cache"]
    assert records["quick"]["fast_base_url"] == fake.base_url


def test_the_hidden_variant_gives_the_job_no_hidden_test_and_keep_leaves_each_record(tmp_path):
    from agent.record import Reproduced, ReproductionTried, read_events
    from state import SqlStore
    from tests.scripting import finish_review, tc, write_script

    wrong = "```python\nfrom checkout.nothing import rebate\n\n\ndef test_it():\n    assert rebate() == 1\n```"
    shows = (
        "```python\nfrom checkout.discounts import discounted_total\n\n\ndef test_welcome10_takes_ten_percent_off():\n"
        '    assert discounted_total(2000, "WELCOME10") == 1800\n```'
    )
    fast = write_script(
        tmp_path / "fast.json",
        [
            ("write pytest tests that reproduce", [{"content": wrong}, {"content": shows}]),
            (
                "Discount codes make the order MORE expensive",
                [
                    tc("edit_file", path="checkout/discounts.py", old_text="total_cents + ", new_text="total_cents - "),
                    tc("finish", summary="subtract"),
                ],
            ),
        ],
    )
    deep = write_script(tmp_path / "deep.json", [finish_review()])
    out = tmp_path / "results" / "run.jsonl"

    result = bench(
        "--tasks=discount",
        "--modes=baseline-oracle-files,quick",
        f"--deep-model={deep}",
        f"--fast-model={fast}",
        "--keep",
        f"--out={out}",
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    records = {(r["mode"], r["variant"]): r for r in rows if "task" in r}
    assert set(records) == {(m, v) for m in ("baseline-oracle-files", "quick") for v in ("visible", "hidden")}
    assert records["quick", "hidden"]["solved"] and records["quick", "visible"]["solved"]
    kept = {key: Path(r["kept"]) for key, r in records.items()}
    assert all(f"kept: {path}" in result.stdout for path in kept.values())
    hidden_test = Path("repo") / "tests" / "test_hidden_discounts.py"
    assert not (kept["quick", "hidden"] / hidden_test).exists()
    assert (kept["quick", "visible"] / hidden_test).exists()
    assert (kept["quick", "hidden"] / "home" / "sparkwright.db").is_file()
    assert not any(p.name == "fix" for p in kept["quick", "hidden"].rglob("*"))
    assert "hidden variant (issue only)" in result.stdout and "visible variant" in result.stdout
    summaries = [r["summary"] for r in rows if "summary" in r]
    assert {(s["mode"], s["variant"]) for s in summaries} == set(records)
    # Only the issue to go on: the job reproduced it first (the import error dropped, the assertion kept).
    with SqlStore(kept["quick", "hidden"] / "home" / "sparkwright.db") as store:
        (job,) = store.jobs()
        tries = [r.event for r in read_events(store, job.id, ReproductionTried)]
        assert [t.kept for t in tries] == [False, True] and "checkout.nothing" in tries[0].why
        assert [r.event.path for r in read_events(store, job.id, Reproduced)] == ["tests/test_issue_reproduction.py"]
    with SqlStore(kept["quick", "visible"] / "home" / "sparkwright.db") as store:
        assert not read_events(store, store.jobs()[0].id, ReproductionTried)  # a failing test was there


def test_grading_uses_the_tasks_own_configuration_and_refuses_a_run_without_the_hidden_tests(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.solverate.grading import grade, judge
    from benchmarks.solverate.tasks import commit_all, load_tasks, run_tests, stage

    task = load_tasks(["discount"])[0]
    staged = stage(task, "hidden", tmp_path / "task")
    (staged.repo / "checkout" / "discounts.py").write_text(_fixed_discounts())
    hiding = "[pytest]\naddopts = --ignore=tests/test_hidden_discounts.py\n"
    (staged.repo / "pytest.ini").write_text(hiding)
    (staged.repo / "conftest.py").write_text("collect_ignore_glob = ['*hidden*']\n")
    commit_all(staged.repo, "a right fix, and a configuration that would hide the hidden tests")

    assert grade(task, staged.repo, "HEAD").solved  # graded with the task's own pytest.ini, no conftest.py

    code, output = run_tests(staged.repo, task.test_command + " -rA")  # the mode's own configuration
    verdict = judge(task, code, output)
    assert code == 0 and not verdict.solved and verdict.why.startswith("hidden tests did not run")
    assert judge(task, 5, "no tests ran in 0.01s").why == "no tests ran"


def test_a_new_test_task_needs_a_new_test_that_fails_on_the_original_code(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.solverate.grading import grade
    from benchmarks.solverate.tasks import commit_all, load_tasks, stage

    task = load_tasks(["clamp"])[0]
    staged = stage(task, "visible", tmp_path / "task")
    fixed = (task.root / "fix" / "numeric" / "bounds.py").read_text()
    (staged.repo / "numeric" / "bounds.py").write_text(fixed)
    commit_all(staged.repo, "the fix alone")
    assert grade(task, staged.repo, "HEAD").why == "no new test (the issue asks for one)"

    (staged.repo / "tests" / "test_more.py").write_text(
        "from numeric.bounds import clamp\n\n\ndef test_in():\n    assert clamp(2, 1, 3) == 2\n"
    )
    commit_all(staged.repo, "a test that passes on the original code too")
    assert grade(task, staged.repo, "HEAD").why.startswith("the new tests do not fail on the original code")

    (staged.repo / "tests" / "test_more.py").write_text((task.root / "fix" / "tests" / "test_bad_range.py").read_text())
    commit_all(staged.repo, "a regression test")
    assert grade(task, staged.repo, "HEAD").solved


def test_the_oracle_row_is_n_samples_at_a_temperature_solved_if_any_passes(tmp_path):
    from tests.scripting import text, write_script

    fast = write_script(
        tmp_path / "fast.json", [("# Issue", [text(f"checkout/discounts.py\n```\n{_fixed_discounts()}```")])]
    )
    out = tmp_path / "results.jsonl"

    result = bench(
        "--tasks=discount",
        "--modes=baseline",
        "--variants=visible",
        "--oracle-samples=2",
        f"--fast-model={fast}",
        f"--out={out}",
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    records = {r["mode"]: r for r in map(json.loads, out.read_text().splitlines()) if "task" in r}
    oracle = records["oracle"]
    assert oracle["solved"] and oracle["samples"] == 2 and oracle["samples_solved"] == 2
    assert oracle["temperature"] == 0.8 and oracle["fast_calls"] == 2 and records["baseline"]["temperature"] == 0
