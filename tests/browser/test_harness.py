"""The browser harness itself: the accessibility check must catch what it claims to catch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


def test_accessibility_check_fails_on_a_serious_violation(
    page: Page, check_accessibility: Callable[[Page], list[dict[str, Any]]],
) -> None:
    page.goto("/login")
    # A button with no accessible name is a critical violation (button-name).
    page.evaluate("document.querySelector('main').append(document.createElement('button'))")
    with pytest.raises(pytest.fail.Exception, match=r"\[critical\] button-name"):
        check_accessibility(page)


def test_inline_scripts_are_blocked_and_reported(page: Page, browser_problems: list[str]) -> None:
    response = page.goto("/")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    blocked = page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('securitypolicyviolation', () => resolve(true));
        const script = document.createElement('script');
        script.textContent = 'window.__inline_ran = true';
        document.body.append(script);
        setTimeout(() => resolve(false), 1000);
    })""")
    assert blocked and page.evaluate("window.__inline_ran") is None
    assert any("Content Security Policy" in problem for problem in browser_problems)
    browser_problems.clear()
