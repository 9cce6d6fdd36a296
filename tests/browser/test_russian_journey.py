"""Kindred in Russian in a real browser: a Russian-speaking visitor's home page at desktop
and phone widths (screenshots, nothing wider than the screen), and the footer's language
switch, which works without JavaScript and is remembered."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEFAULT_TIMEOUT_MS, LiveServer, _is_noise
from tests.browser.journeys import tidy_screenshots

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]
Axe = Callable[[Page], list[dict[str, Any]]]

# Elements whose content is wider than their box (text running out of a button, a card or
# the page), ignoring boxes that scroll on purpose.
OVERFLOWING = """() => {
  const found = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    found.push('page ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  }
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (['auto', 'scroll'].includes(style.overflowX) || style.display === 'inline') continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
      found.push(el.tagName.toLowerCase() + '.' + el.className + ': ' + el.textContent.trim().slice(0, 40));
    }
  }
  return found;
}"""


@pytest.fixture
def russian_page(browser: Browser, live_server: LiveServer,
                 browser_problems: list[str]) -> Iterator[Page]:
    """A browser whose person reads Russian (Accept-Language: ru-RU)."""
    context = browser.new_context(base_url=live_server.url, locale="ru-RU",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda error: browser_problems.append(f"uncaught exception: {error}"))
    page.on("console", lambda message: browser_problems.append(message.text)
            if message.type == "error" and not _is_noise(message) else None)
    yield page
    context.close()
    assert browser_problems == []


def test_a_russian_speaking_visitor_reads_the_home_page_in_russian(
    russian_page: Page, screenshot: Shot, check_accessibility: Axe,
) -> None:
    page = russian_page
    shot = tidy_screenshots(screenshot)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    nav = page.get_by_role("navigation", name="Основное меню")
    expect(nav.get_by_role("link", name="Сообщества")).to_be_visible()
    expect(nav.get_by_role("link", name="Войти")).to_be_visible()
    expect(page.locator("footer")).to_contain_text("Kindred — сообщество пациентов.")
    assert page.evaluate(OVERFLOWING) == []
    check_accessibility(page)
    shot(page, "home-ru-1280")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    assert page.evaluate(OVERFLOWING) == [], "no Russian word runs out of its box on a phone"
    shot(page, "home-ru-390")

    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Войти")
    assert page.evaluate(OVERFLOWING) == []
    shot(page, "sign-in-ru-390")


def test_the_footer_switch_changes_the_language_and_is_remembered(
    browser: Browser, live_server: LiveServer,
) -> None:
    """Without JavaScript: the switch is a plain form, and a cookie remembers the choice."""
    context = browser.new_context(base_url=live_server.url, locale="ru-RU",
                                  java_script_enabled=False)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.goto("/communities")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.locator("footer").get_by_role("button", name="English").click()
    assert page.url.endswith("/communities")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Communities")).to_be_visible()
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator("footer").get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    assert page.url.endswith("/login")
    context.close()
