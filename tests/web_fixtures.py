"""For the `serve` tests: a real `sparkwright serve` process on a free loopback port, real `run` processes
with scripted models, and headless Chromium (Debian's `chromium` package) driven by playwright.

Without the browser the browser tests are skipped; in CI (CI, SPARKWRIGHT_REQUIRE_BROWSER=1 or
SPARKWRIGHT_REQUIRE_DOCKER=1) they fail instead. Each test keeps screenshots in test-artifacts/screenshots."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUMS = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium() -> str | None:
    given = os.environ.get("SPARKWRIGHT_CHROMIUM")
    if given:
        return given
    # The Debian binary itself rather than its /usr/bin launcher script, which probes the machine first.
    return next((path for path in CHROMIUMS if Path(path).is_file()), shutil.which("chromium"))


def require_browser() -> str:
    """The browser's path; skip the test without one, or fail it where CI requires the browser tests."""
    path = chromium()
    missing = None if path else "no chromium: apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "playwright is not installed: pip install -e '.[test]'"
    if missing is None and path:
        return path
    required = any(os.environ.get(name) for name in ("CI", "SPARKWRIGHT_REQUIRE_BROWSER", "SPARKWRIGHT_REQUIRE_DOCKER"))
    if required:
        pytest.fail(f"the browser tests must run here but {missing}")
    pytest.skip(missing or "")


@pytest.fixture
def page() -> Iterator[Any]:
    path = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        try:
            tab = browser.new_page(viewport={"width": 1300, "height": 900})
            tab.set_default_timeout(60_000)
            dialogs: list[str] = []
            tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            tab.dialogs = dialogs  # type: ignore[attr-defined]
            yield tab
        finally:
            browser.close()


def shoot(tab: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


class Server:
    def __init__(self, tmp_path: Path, *flags: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"serve-{self.port}.log"
        argv = [sys.executable, "-m", "agent", "serve", "--port", str(self.port), *flags]
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(argv, env=env(), stdout=out, stderr=subprocess.STDOUT)
        self._wait_up()

    def _wait_up(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                httpx.get(self.url + "/static/app.css", timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError(f"serve did not answer: {self.log.read_text()}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def server(home: Path, tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path)
    yield running
    running.stop()


class Job:
    """A `sparkwright run --json` process; its events are read as they come (the pipe never fills)."""

    def __init__(
        self, repo: Path, issue: str, deep: str, fast: str, *flags: str, extra_env: dict[str, str] | None = None
    ):
        argv = [sys.executable, "-m", "agent", "run", "--repo", str(repo), "--issue", issue]
        argv += ["--deep-model", deep, "--fast-model", fast, "--json", *flags]
        self.proc = subprocess.Popen(
            argv, env={**env(), **(extra_env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.events: list[dict[str, Any]] = []
        self._first = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        self._first.wait(90)
        assert self.events, self.proc.stderr.read() if self.proc.stderr else "no events"
        self.id = self.events[0]["job"]

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.append(json.loads(line))
            self._first.set()
        self._first.set()

    def wait_for(self, kind: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events if e["kind"] == kind]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no {kind} event within {timeout} s: {[e['kind'] for e in self.events]}")

    def finish(self, timeout: float = 120) -> int:
        return self.proc.wait(timeout=timeout)


def run_job(repo: Path, issue: str, deep: str, fast: str, *flags: str) -> str:
    """A job run to its end (or to its plan's approval); its id."""
    job = Job(repo, issue, deep, fast, *flags)
    code = job.finish()
    assert code == 0, job.proc.stderr.read() if job.proc.stderr else code
    return str(job.id)
