"""Follow and be told, in a browser: a patient follows a thread, another replies and
mentions her; she sees both on her home and in her notifications, gets a digest e-mail in
the outbox, and its unsubscribe link works signed out."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.journeys import tidy_screenshots
from tests.browser.staff import browser_page, join_community, kindred_cli, register_person, sign_in
from tests.browser.test_home_journey import PHONE, WIDE, at_both_widths
from tests.helpers import outbox_messages

pytestmark = pytest.mark.browser


def test_a_patient_follows_a_thread_is_mentioned_and_gets_a_digest(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Callable[[Page, str], Path], check_accessibility: Callable[[Page], Any],
) -> None:
    shot = tidy_screenshots(screenshot)
    opener, follower, replier = (register_person(live_server, name)
                                 for name in ("oli", "fay", "rex"))
    title = f"Pacing on busy days {opener.split('_')[1]}"
    with browser_page(browser, live_server, browser_problems) as opener_page:
        sign_in(opener_page, opener)
        join_community(opener_page, "fibromyalgia")
        opener_page.goto("/communities/fibromyalgia")
        opener_page.get_by_role("link", name="Start a thread").click()
        opener_page.get_by_label("Title").fill(title)
        opener_page.get_by_label("Your post").fill("I plan rests before I need them.")
        opener_page.get_by_role("button", name="Post").click()
        expect(opener_page).to_have_url(re.compile(r"/threads/\d+$"))
        thread_url = opener_page.url

    # Fay follows the thread and asks for a daily digest of replies and mentions.
    page.set_viewport_size(WIDE)
    sign_in(page, follower)
    join_community(page, "fibromyalgia")
    page.goto(thread_url)
    page.get_by_role("button", name="Follow this thread").click()
    expect(page.get_by_role("status")).to_contain_text("You follow this thread")
    expect(page.get_by_role("button", name="Stop following")).to_be_visible()
    at_both_widths(page, shot, check_accessibility, "following")
    page.goto("/notifications/settings")
    page.get_by_label("Replies in threads I follow").select_option("daily")
    page.get_by_label("Someone mentions me").select_option("daily")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("saved")
    at_both_widths(page, shot, check_accessibility, "notification-settings")

    # Rex replies and mentions her.
    with browser_page(browser, live_server, browser_problems) as replier_page:
        sign_in(replier_page, replier)
        join_community(replier_page, "fibromyalgia")
        replier_page.goto(thread_url)
        replier_page.get_by_label("Your reply").fill(
            f"Same here @{follower} and the timer trick works for me too")
        replier_page.get_by_role("button", name="Reply").click()
        expect(replier_page.locator("article.post").last).to_contain_text("timer trick")

    # Fay sees it on her home and in her notifications.
    page.goto("/")
    following = page.locator("#home-following")
    expect(following.get_by_role("link", name=title)).to_be_visible()
    expect(following).to_contain_text("1 reply")
    at_both_widths(page, shot, check_accessibility, "home-with-followed-thread")
    # Notifications travel through the outbox, delivered just after the reply's response:
    # under load the home can be served first, so Fay's next page shows the badge.
    badge = page.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Notifications 1"))
    for _ in range(20):
        if badge.count():
            break
        page.wait_for_timeout(250)
        page.goto("/")
    expect(badge).to_be_visible()
    page.goto("/notifications")
    expect(page.locator("ul.notifications")).to_contain_text(f"{replier} mentioned you in")
    at_both_widths(page, shot, check_accessibility, "notifications")

    # Tomorrow's pass of the e-mail job sends her one digest, once.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert "notification e-mails sent" in kindred_cli(live_server, "notifications", "send",
                                                     "--at", tomorrow)
    kindred_cli(live_server, "notifications", "send", "--at", tomorrow)
    mails = [m for m in outbox_messages(live_server.var_dir)
             if m["To"] == f"{follower}@example.org" and m["Subject"] == "Your Kindred digest"]
    assert len(mails) == 1
    body = mails[0].get_payload(decode=True).decode()
    assert "mentioned you" in body and title in body
    link = re.search(r"https?://\S+(/unsubscribe/\d+/\S+)", body)
    assert link

    # The unsubscribe link works in a browser that never signed in.
    with browser_page(browser, live_server, browser_problems) as stranger:
        stranger.set_viewport_size(PHONE)
        stranger.goto(link.group(1))
        shot(stranger, "unsubscribe-390")
        check_accessibility(stranger)
        stranger.get_by_role("button", name="Stop all notification e-mails").click()
        expect(stranger.get_by_role("status").filter(has_text="will not e-mail you")).to_be_visible()
        shot(stranger, "unsubscribed-390")
    page.goto("/notifications/settings")
    expect(page.get_by_label("Replies in threads I follow")).to_have_value("site")
