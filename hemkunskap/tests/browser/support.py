"""What browser tests call: `login` through the real form and `check_accessibility` with axe-core. The
fixtures that open the browser and watch each page are in conftest.py beside this file."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from playwright.sync_api import ConsoleMessage, Error, Page

# axe-core from the npm registry (`npm pack axe-core@4.14.1`), vendored with its licence (MPL-2.0): the tests
# need neither the network nor node.
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what the issue promises. axe's "best-practice" rules are left out.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = {"serious", "critical"}

# The password of every user the browser tests create.
PASSWORD = "browser-test-password"


@dataclass
class PageWatch:
    """What happened in a test's page: the errors the browser reported, and each document it loaded with
    whether axe checked it."""

    errors: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    checked: list[bool] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        where = message.location.get("url") or "?"
        if message.type == "error":
            self.errors.append(f"console error: {message.text} (at {where})")

    def on_page_error(self, error: Error) -> None:
        self.errors.append(f"uncaught exception: {error}")

    def on_load(self, page: Page) -> None:
        self.loads.append(page.url)
        self.checked.append(False)

    def unchecked(self) -> list[str]:
        return [url for url, checked in zip(self.loads, self.checked, strict=True) if not checked]


# The watch of each open test page (keyed by the page object's id; the page fixture adds and removes it).
watches: dict[int, PageWatch] = {}


def check_accessibility(page: Page) -> None:
    """Run axe-core on the page as it is now and fail on any serious or critical WCAG 2.1 A/AA violation,
    listing each with the elements concerned. Marks the page's current document as checked."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as a <script> tag: the pages' Content-Security-
        # Policy (rightly) refuses inline scripts, and the tests must not turn it off to see its violations.
        page.evaluate(AXE_JS.read_text())
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    watch = watches.get(id(page))
    if watch is not None and watch.checked:
        watch.checked[-1] = True
    failing = [violation for violation in results["violations"] if violation["impact"] in AXE_FAILING_IMPACTS]
    assert not failing, f"axe-core: serious or critical violations on {page.url}\n" + "\n".join(map(_describe, failing))


def _describe(violation: dict[str, Any]) -> str:
    lines = [f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"]:
        lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:200]}")
        if node.get("failureSummary"):
            lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def login(page: Page, live_server: Any, user: AbstractBaseUser, password: str = PASSWORD) -> None:
    """Log `user` in through the login form as a person would (in Swedish, the default language), checking
    the login page with axe on the way; returns on the page the login leads to."""
    page.goto(f"{live_server.url}/login/")
    check_accessibility(page)
    page.get_by_label("Användarnamn").fill(user.get_username())
    page.get_by_label("Lösenord").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Logga in").click()
    assert "/login/" not in page.url, f"Logging in as {user.get_username()} failed:\n{page.inner_text('main')}"
