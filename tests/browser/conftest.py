"""Browser fixtures: one live Kindred server per session, Debian's Chromium driven by Playwright.

`live_server` runs the real thing: a fresh SQLite database migrated with `kindred db upgrade`
and `kindred serve` (granian) on a free loopback port. `page` is a fresh browser context per
test with the site's Content-Security-Policy enforced; console errors and CSP violations fail
the test. `check_accessibility(page)` runs axe-core on the page as it is and fails on serious
or critical violations. `screenshot(page, name)` keeps PNGs in test-artifacts/<test>/.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
SERVER_START_SECONDS = 30
SECRET_KEY = "browser-test-secret-key-0123456789abcdef0123"
BLOCKING_IMPACTS = {"serious", "critical"}


class LiveServer(NamedTuple):
    url: str
    var_dir: Path
    database_url: str


def _unavailable(reason: str) -> NoReturn:
    """Skip locally; in CI a missing browser is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"CI=true requires the browser tests to run: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kindred(*args: str) -> list[str]:
    return [sys.executable, "-c", "from community.cli import main; main()", *args]


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _migrate(env: dict[str, str], log: Path) -> None:
    """The browser runs against the migrated schema, exactly as `make run` builds it."""
    with log.open("a") as out:
        result = subprocess.run(_kindred("db", "upgrade"), env=env, cwd=REPO_ROOT, stdout=out,
                                stderr=subprocess.STDOUT, timeout=120, check=False)
    if result.returncode != 0:
        pytest.fail(f"`kindred db upgrade` failed:\n{_tail(log)}", pytrace=False)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kindred serve exited with {process.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"kindred serve was not healthy after {SERVER_START_SECONDS}s:\n"
                       f"{_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real Kindred (granian, one worker) on a fresh SQLite database, for the whole session."""
    root = tmp_path_factory.mktemp("live")
    var_dir = root / "var"
    database_url = f"sqlite+aiosqlite:///{root / 'kindred.db'}"
    log = root / "server.log"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KINDRED_DATABASE_URL": database_url,
        "KINDRED_VAR_DIR": str(var_dir),
        "KINDRED_SECRET_KEY": SECRET_KEY,
        "KINDRED_ENV": "development",
        "KINDRED_BASE_URL": url,
        # Every browser test comes from 127.0.0.1: per-address limits would make the suite
        # flaky as journeys are added. Rate limiting is tested over HTTP, not here.
        "KINDRED_ANONYMOUS_REQUESTS_PER_MINUTE": "100000",
        "KINDRED_VIEWS_PER_WINDOW": "100000",
        # Journeys post as brand-new members and need their posts published at once; the
        # pre-moderation of first posts has its own integration tests.
        "KINDRED_PREMODERATE_FIRST_POSTS": "0",
    }
    env.pop("KINDRED_REDIS_URL", None)
    _migrate(env, log)
    with log.open("ab") as out:
        process = subprocess.Popen(
            _kindred("serve", "--host", "127.0.0.1", "--port", str(port)),
            env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(url, process, log)
        yield LiveServer(url, var_dir, database_url)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright's sync API."""
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    # Assertions wait as long as actions do (Playwright's own default is 5 s).
    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _test_dir(node: pytest.Item) -> Path:
    return ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", node.name)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _is_noise(message: Any) -> bool:
    # Browsers ask for /favicon.ico on their own; the site has none yet.
    return str(message.location.get("url", "")).endswith("/favicon.ico")


@pytest.fixture
def browser_problems() -> list[str]:
    """Console errors, CSP violations and uncaught exceptions seen by `page` in this test.

    A test that provokes one on purpose asserts on it and removes it from the list.
    """
    return []


@pytest.fixture
def page(
    browser: Any, live_server: LiveServer, browser_problems: list[str],
    request: pytest.FixtureRequest,
) -> Iterator[Any]:
    """A new context and page per test, CSP enforced; fails on console errors and CSP breaks."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    browser_page = context.new_page()
    problems = browser_problems

    def on_console(message: Any) -> None:
        if message.type == "error" and not _is_noise(message):
            problems.append(f"console error on {browser_page.url}: {message.text}")

    def on_page_error(error: Any) -> None:
        problems.append(f"uncaught exception on {browser_page.url}: {error}")

    browser_page.on("console", on_console)
    browser_page.on("pageerror", on_page_error)
    yield browser_page
    call_report = getattr(request.node, "report_call", None)
    if call_report is not None and call_report.failed:
        folder = _test_dir(request.node)
        folder.mkdir(parents=True, exist_ok=True)
        try:
            browser_page.screenshot(path=str(folder / "failure.png"), full_page=True, caret="initial")
        except Exception as exc:  # the test already failed: keep its own report
            sys.stderr.write(f"[browser] no failure screenshot: {exc}\n")
    context.close()
    if problems and not (call_report is not None and call_report.failed):
        pytest.fail("the browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """screenshot(page, "name") -> test-artifacts/<test name>/<NN>-<name>.png (full page)."""
    folder = _test_dir(request.node)
    shutil.rmtree(folder, ignore_errors=True)
    taken: list[Path] = []

    def _take(browser_page: Any, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"
        path = folder / f"{len(taken) + 1:02d}-{safe}.png"
        # caret="initial": hiding the caret leaves style="" on inputs, which htmx would
        # copy into swapped elements and the CSP would then report.
        browser_page.screenshot(path=str(path), full_page=True, caret="initial")
        taken.append(path)
        return path

    return _take


def _axe_source() -> str:
    if not AXE_PATH.exists():
        _unavailable(f"{AXE_PATH.relative_to(REPO_ROOT)} is missing: run `npm ci` at the repo root")
    return AXE_PATH.read_text()


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    """A readable list: rule, impact, help text and link, then each offending element."""
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n         ")
            if summary:
                lines.append(f"       {summary}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    ... and {len(violation['nodes']) - 10} more elements")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def check_accessibility() -> Callable[..., list[dict[str, Any]]]:
    """check_accessibility(page) runs axe-core (WCAG 2.x A/AA) on the page in its current state.

    Serious and critical violations fail the test; minor and moderate ones are returned.
    axe is evaluated through the DevTools protocol, which the page's CSP (script-src 'self')
    does not govern, so the check sees exactly what the visitor sees, including re-rendered
    forms and htmx swaps, without weakening the CSP for the rest of the test.
    """
    source = _axe_source()

    def _check(browser_page: Any, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        if browser_page.evaluate("typeof window.axe") == "undefined":
            browser_page.evaluate(source)
        options = {
            "runOnly": {"type": "tag",
                        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa",
                                   "best-practice"]},
            "resultTypes": ["violations"],
            "rules": {rule: {"enabled": False} for rule in disable},
        }
        results = browser_page.evaluate("options => axe.run(document, options)", options)
        violations: list[dict[str, Any]] = results["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        if blocking:
            pytest.fail(format_violations(browser_page.url, blocking), pytrace=False)
        return violations

    return _check
