"""Small steps shared by the browser journeys: join through the form, sign in, a second person.

Everything goes through the pages as a person would (no shortcuts into the database), so a
journey also checks the forms it leans on.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEFAULT_TIMEOUT_MS, LiveServer, _is_noise
from tests.helpers import STRONG_PASSWORD

# Playwright's screenshots hide the caret by default and leave `style=""` on every input and
# textarea behind them. When htmx later swaps in an element with the same id, its settle step
# copies that attribute onto the new element, which the CSP (style-src 'self') reports as a
# violation the visitor would never cause. Journeys take their pictures through this wrapper.
_DROP_EMPTY_STYLES = (
    "document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")


def tidy_screenshots(screenshot: Callable[[Page, str], Path]) -> Callable[[Page, str], Path]:
    """The harness's `screenshot`, leaving the page as it found it (see above)."""

    def take(page: Page, name: str) -> Path:
        path = screenshot(page, name)
        page.evaluate(_DROP_EMPTY_STYLES)
        return path

    return take


def unique_name(prefix: str) -> str:
    """A username no other test in the session uses (the server is shared)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def header(page: Page) -> Any:
    return page.get_by_role("navigation", name="Main")


def register(page: Page, username: str) -> None:
    """Join through /register; ends on the "check your e-mail" page, signed out."""
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail address").fill(f"{username}@example.org")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/register/done$"))


def sign_in(page: Page, username: str) -> None:
    """Sign in through /login; ends on the home page with the username in the header."""
    page.goto("/login")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(header(page).get_by_role("link", name=username)).to_be_visible()


def register_and_sign_in(page: Page, username: str) -> None:
    register(page, username)
    sign_in(page, username)


def join_community(page: Page, slug: str) -> None:
    page.goto(f"/communities/{slug}")
    page.get_by_role("button", name="Join this community").click()
    expect(page.get_by_text("You are a member")).to_be_visible()


def watch(page: Page, problems: list[str]) -> None:
    """Record console errors, CSP violations and uncaught exceptions like the `page` fixture."""

    def on_console(message: Any) -> None:
        if message.type == "error" and not _is_noise(message):
            problems.append(f"console error on {page.url}: {message.text}")

    def on_page_error(error: Any) -> None:
        problems.append(f"uncaught exception on {page.url}: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)


@contextmanager
def second_person(browser: Browser, live_server: LiveServer,
                  problems: list[str], **options: Any) -> Iterator[Page]:
    """Another person's browser (own cookies), set up like the `page` fixture.

    Problems it sees go into `problems` (pass the test's `browser_problems` so they fail it).
    """
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    try:
        other = context.new_page()
        watch(other, problems)
        yield other
    finally:
        context.close()
