"""Browser tests: real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against
pytest-django's live server, on whatever database the run uses (PostgreSQL in CI).

    pytestmark = pytest.mark.django_db(transaction=True)   # the live server's thread sees committed rows only

    def test_something(phone, live_server):
        login(phone, live_server, visitor.user)
        ...
        check_accessibility(phone)

Every test that takes `page` (desktop, 1280×800) or `phone` (a visitor's phone, 360×740):
- fails if the browser logged a JavaScript console error or an uncaught exception, with the messages;
- fails if it loaded a page that `check_accessibility` (axe-core, WCAG 2.1 A/AA) did not check: the issue
  asks for axe on every page the tests visit, and this keeps a new test from forgetting;
- leaves a screenshot of where it ended, passed or failed, in test-artifacts/screenshots/<test name>.png
  (TEST_ARTIFACTS_DIR moves the folder, as for the worker logs in the root conftest.py).

Without /usr/bin/chromium the tests are skipped (`apt-get install chromium`; `.ci/run` does it), unless
BROWSER_TESTS=1 or REQUIRE_SERVICES=1 asks for them: then a missing browser fails them. Playwright is never
allowed to download a browser of its own: the machines reach package registries only.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from hemkunskap.env import ConfigurationError, env_bool
from hemkunskap.tests.browser.support import PageWatch, watches

CHROMIUM = Path("/usr/bin/chromium")
# --headless=new is the real browser, not the old stripped-down headless shell. The rest keep Chromium from
# phoning home (updates, sync, field trials): on a closed network those connections are refused and only
# slow it down. --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
# The "visitor on a 360×740 viewport": a small Android phone.
PHONE = {"width": 360, "height": 740}
# Every action and assertion waits at most this long; a page of this app answers in well under a second.
TIMEOUT_MS = 10_000

REPO_DIR = Path(__file__).resolve().parents[3]
ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR") or REPO_DIR / "test-artifacts")
SCREENSHOTS_DIR = ARTIFACTS_DIR / "screenshots"

# --- Is there a browser? ---------------------------------------------------------------------------------


def _browser_required() -> bool:
    try:
        return env_bool("BROWSER_TESTS", False) or env_bool("REQUIRE_SERVICES", False)
    except ConfigurationError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_configure(config: pytest.Config) -> None:
    _browser_required()  # a typo such as BROWSER_TESTS=ture stops the run at once


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture: a machine without the browser spends no database setup on tests it cannot run.
    if CHROMIUM.exists():
        return
    message = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if _browser_required():
        pytest.fail(f"BROWSER_TESTS=1 or REQUIRE_SERVICES=1, but this {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the browser tests, started on first use and stopped after the last of them.

    Package scope, not session: Playwright's sync API keeps an asyncio event loop running in the main thread
    for as long as it is started. Django refuses database queries from a thread with a running loop
    ("SynchronousOnlyOperation"), so the tests that build their data while the browser is up need
    DJANGO_ALLOW_ASYNC_UNSAFE (safe here: the queries are ordinary synchronous ones, made by the test's own
    thread). Both the loop and that switch end with this package, so no other test runs under them."""
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright: Playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


# --- One page per test, watched ----------------------------------------------------------------------------


WATCH = pytest.StashKey[tuple[Page, PageWatch]]()


def _open_page(request: pytest.FixtureRequest, browser: Browser, **context_options: Any) -> Iterator[Page]:
    context = browser.new_context(
        locale="sv-SE",
        timezone_id="Europe/Stockholm",
        **context_options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = PageWatch()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    page.on("load", watch.on_load)
    request.node.stash[WATCH] = (page, watch)
    watches[id(page)] = watch
    try:
        yield page
    finally:
        del watches[id(page)]
        SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=SCREENSHOTS_DIR / f"{name}.png", full_page=True)
        finally:
            context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh browser (no cookies) on a desktop screen, in Swedish."""
    yield from _open_page(request, browser, viewport=DESKTOP)


@pytest.fixture
def phone(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh browser on a visitor's phone: 360×740, touch, and the meta viewport honoured as on a phone
    (so a page that is too wide scrolls sideways instead of being quietly zoomed out)."""
    yield from _open_page(request, browser, viewport=PHONE, is_mobile=True, has_touch=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    # Here, not in the fixture's teardown: what the browser reported fails the test itself, rather than
    # being an error after a test that "passed". A test that already failed keeps its own failure.
    result = yield
    watched = item.stash.get(WATCH, None)
    if watched is not None:
        page, watch = watched
        page.evaluate("0")  # a round trip: events the browser sent meanwhile are delivered first
        if watch.errors:
            pytest.fail("The browser reported errors:\n" + "\n".join(watch.errors), pytrace=False)
        if unchecked := watch.unchecked():
            pytest.fail(
                "Pages loaded but never checked with check_accessibility(): " + ", ".join(unchecked), pytrace=False
            )
    return result
