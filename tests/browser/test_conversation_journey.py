"""Conversation in a browser: a member types a mention and picks it from the list with the
keyboard, quotes a passage she selected in another's post, previews her reply, leaves the
page and comes back to find her draft, then posts it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.journeys import tidy_screenshots
from tests.browser.staff import HttpPerson, join_community, register_person, sign_in
from tests.browser.test_home_journey import WIDE, at_both_widths

pytestmark = pytest.mark.browser

SLUG = "multiple-sclerosis"


def test_a_member_mentions_quotes_previews_keeps_a_draft_and_posts(
    page: Page, live_server: LiveServer, screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], Any],
) -> None:
    shot = tidy_screenshots(screenshot)
    opener, helper, writer = (register_person(live_server, name)
                              for name in ("opal", "hugo", "wren"))
    title = f"Cooling vests in summer {opener.split('_')[1]}"
    people = [HttpPerson(live_server, name).login() for name in (opener, helper)]
    try:
        for person in people:
            person.join(SLUG)
        created = people[0].post(f"/communities/{SLUG}/threads", {
            "title": title, "body": "Do cooling vests help anyone here?",
            "audience": "members", "kind": "discussion"})
        thread_url = created.headers["location"]
        people[1].post(f"{thread_url}/replies", {
            "body": "Mine does, on the worst days.\n\nThe gel packs last about two hours."})
    finally:
        for person in people:
            person.close()

    page.set_viewport_size(WIDE)
    sign_in(page, writer)
    join_community(page, SLUG)
    page.goto(thread_url)
    box = page.get_by_label("Your reply")

    # A mention: "@" and the first letters offer the people of the thread; arrows and Enter.
    box.click()
    box.press_sequentially(f"Thank you @{helper[:3]}", delay=20)
    options = page.get_by_role("listbox", name="People to mention")
    expect(options.get_by_role("option", name=helper)).to_be_visible()
    expect(box).to_have_attribute("aria-activedescendant", "mention-option-1")
    at_both_widths(page, shot, check_accessibility, "mention-suggested")
    box.press("ArrowDown")  # one suggestion: the arrows stay on it
    box.press("Enter")
    expect(options).to_be_hidden()
    expect(box).to_have_value(f"Thank you @{helper} ")
    box.press_sequentially("for the tip.", delay=10)

    # Quote a passage: select it in the post, and the Quote button beside it adds it.
    passage = page.locator("article.post").filter(has_text="gel packs").get_by_text(
        "The gel packs last about two hours.")
    passage.click(click_count=3)
    quote = page.get_by_role("button", name="Quote", exact=True)
    expect(quote).to_be_visible()
    shot(page, "passage-selected-1280")
    quote.click()
    attribution = re.escape(helper.replace("_", "\\_") + " wrote:")
    expect(box).to_have_value(re.compile(
        rf"^Thank you @{helper} for the tip\.\n\n> \[{attribution}\]"
        rf"\(/threads/\d+\?after=\d+#post-\d+\)\n>\n> The gel packs last about two hours\.\n\n$"))
    box.press_sequentially("Two hours is my experience too.", delay=10)

    # Preview: what posting would show, nothing posted yet.
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("blockquote")).to_contain_text("The gel packs last about two hours.")
    expect(preview).to_contain_text(f"Thank you @{helper} for the tip.")
    expect(page.locator("article.post")).to_have_count(2)
    at_both_widths(page, shot, check_accessibility, "preview")

    # The draft is kept on the server: leave the page and come back.
    expect(page.locator("#draft-status")).to_have_text("Draft saved.")
    page.goto(f"/communities/{SLUG}")
    page.goto(thread_url)
    expect(page.get_by_text("is back in the reply box")).to_be_visible()
    expect(box).to_have_value(re.compile(r"Two hours is my experience too\.$"))
    at_both_widths(page, shot, check_accessibility, "draft-restored")

    # Post it: in place, confirmed, and the draft is gone.
    page.get_by_role("button", name="Reply", exact=True).click()
    posted = page.locator("article.post").last
    expect(posted.locator("blockquote")).to_contain_text("The gel packs last about two hours.")
    expect(posted.locator("blockquote").get_by_role("link", name=f"{helper} wrote:")
           ).to_have_attribute("href", re.compile(r"#post-\d+$"))
    expect(page.locator("#reply-status")).to_contain_text("Your reply is posted.")
    expect(box).to_have_value("")
    at_both_widths(page, shot, check_accessibility, "posted")
    page.reload()
    expect(box).to_have_value("")
    expect(page.get_by_text("is back in the reply box")).to_have_count(0)
