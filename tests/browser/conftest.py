"""Browser tests: Playwright (sync API) drives the system Chromium against pytest-django's live_server.

Write one like this (docs/frontend.md has more):

    from tests.browser.helpers import login, screenshot

    pytestmark = pytest.mark.browser

    def test_employee_sees_their_week(page, live_server, make_member):
        member = make_member("emma", roles.EMPLOYEE)
        login(page, live_server, "emma", PASSWORD)
        page.goto(f"{live_server.url}/attendance/")
        expect(page.get_by_role("heading", name="My attendance")).to_be_visible()
        screenshot(page, "attendance-week")

The `page` fixture fails the test on any Content Security Policy violation, uncaught JavaScript error or
missing static file. Without Chromium the tests are skipped, unless REQUIRE_BROWSER=1 (CI sets it), when
they fail instead.
"""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.attendance.conftest import day_shift  # noqa: F401 (a fixture: the walks' day shift, as the API tests have it)

CHROMIUM = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}
# Reported by Chromium on the console, and by our own securitypolicyviolation listener below.
CSP_MARKERS = ("Content Security Policy", "Refused to")
# Runs in every page before its own scripts; init scripts are exempt from the page's CSP.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`Content Security Policy violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def _unavailable(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(f"{reason}; set REQUIRE_BROWSER=1 to make this a failure")


def _test_thread_connections() -> dict:
    from django.db import connections

    return {alias: connections[alias] for alias in connections}


def _keep_connections(kept: dict) -> None:
    """Under a running event loop Django keeps connections per async context, not per thread, so the test
    thread would get fresh connections that know nothing of the test database's state (the serialized
    rows that restore it, the open transaction). Hand it back the connections it had."""
    from django.db import connections

    for alias, connection in kept.items():
        connections[alias] = connection


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright stops after the module so that its event loop does not
    stay marked as running for the rest of the session's (non-browser) tests."""
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    kept = _test_thread_connections()
    # Playwright's sync API marks its event loop as running in the test thread while it lives; Django
    # refuses ORM calls under a running loop unless told that this one is fine (it is: the loop never runs
    # our code). Only for as long as the browser lives.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            _keep_connections(kept)
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(autouse=True)
def _database_as_migrated(django_db_serialized_rollback):
    """live_server needs a transactional database, whose flush would also drop the rows that migrations
    create (the four role groups). Serialized rollback puts them back before each browser test."""


@dataclass
class BrowserLog:
    """What the page said while the test ran. `problems` fail the test."""

    console: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _open_page(browser, log: BrowserLog, **context_options) -> Iterator:
    context = browser.new_context(locale="en-US", **context_options)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()

    def on_console(message) -> None:
        text = f"{message.type}: {message.text}"
        log.console.append(text)
        if any(marker in message.text for marker in CSP_MARKERS):
            log.problems.append(f"CSP violation on {page.url}: {message.text}")

    def on_response(response) -> None:
        if "/static/" in response.url and response.status >= 400:
            log.problems.append(f"static file {response.url} answered {response.status}")

    page.on("console", on_console)
    page.on(
        "pageerror", lambda error: log.problems.append(f"uncaught JavaScript error on {page.url}: {error}")
    )
    page.on("response", on_response)
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()
    if log.problems:  # anything that arrived after the test body finished
        pytest.fail("The browser reported problems:\n  " + "\n  ".join(log.problems), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Turn what the browser reported during the test into a failure of the test itself."""
    result = yield
    log = item.funcargs.get("browser_log")
    if log is not None and log.problems:
        problems, log.problems = log.problems, []
        pytest.fail("The browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)
    return result


@pytest.fixture
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture
def page(browser, browser_log):
    """A fresh browser context (no cookies) on a desktop-sized viewport."""
    yield from _open_page(browser, browser_log, viewport=DESKTOP)


@pytest.fixture
def mobile_page(browser, browser_log):
    """A fresh browser context on a 390x844 phone viewport, with touch."""
    yield from _open_page(browser, browser_log, viewport=MOBILE, is_mobile=True, has_touch=True)
