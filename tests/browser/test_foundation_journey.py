"""The foundation's journey in a real browser: join, confirm, sign in, out and in again."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.helpers import STRONG_PASSWORD, outbox_messages

pytestmark = pytest.mark.browser


def _sign_in(page: Page, username: str) -> None:
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _header(page: Page) -> Any:
    return page.get_by_role("navigation", name="Main")


def _verification_link(var_dir: Path, email: str) -> str:
    for message in reversed(outbox_messages(var_dir)):
        if message["To"] == email:
            body = message.get_payload(decode=True).decode()
            match = re.search(r"https?://\S+/verify-email/\S+", body)
            assert match, body
            return match.group(0)
    raise AssertionError(f"no message to {email} in the outbox")


def test_register_sign_in_sign_out_and_back(
    page: Page, live_server: LiveServer, screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], list[dict[str, Any]]],
) -> None:
    username = f"walker_{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.org"

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(_header(page).get_by_role("link", name="Sign in")).to_be_visible()
    screenshot(page, "home-signed-out")
    check_accessibility(page)

    _header(page).get_by_role("link", name="Join").click()
    expect(page).to_have_url(re.compile(r"/register$"))
    expect(page.get_by_role("heading", name="Join Kindred")).to_be_visible()
    screenshot(page, "register")
    check_accessibility(page)

    page.get_by_label("Username").fill(username)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/register/done$"))
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    screenshot(page, "check-your-email")
    check_accessibility(page)

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")
    check_accessibility(page)

    _sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(_header(page).get_by_role("link", name=username)).to_be_visible()
    expect(_header(page).get_by_role("link", name="Sign in")).to_have_count(0)
    screenshot(page, "home-signed-in")
    check_accessibility(page)

    page.goto(_verification_link(live_server.var_dir, email))
    expect(page.get_by_role("heading", name="Your e-mail address is confirmed")).to_be_visible()
    screenshot(page, "email-confirmed")

    _header(page).get_by_role("link", name=username).click()
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", name="Account settings")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(email)
    expect(page.get_by_role("main")).to_contain_text("confirmed")
    screenshot(page, "account")
    check_accessibility(page)

    _header(page).get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(_header(page).get_by_role("link", name="Sign in")).to_be_visible()
    expect(_header(page).get_by_role("link", name=username)).to_have_count(0)
    screenshot(page, "signed-out")

    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
    screenshot(page, "account-asks-to-sign-in")

    _sign_in(page, username)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(_header(page).get_by_role("link", name=username)).to_be_visible()
    screenshot(page, "signed-in-again")
