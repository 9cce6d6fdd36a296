"""The crisis and review workflow in a real browser, with the real screening pipeline.

A member in the UK posts a crisis text and sees UK help at once while another member cannot
see the post; a moderator finds it first in the queue, sees it overdue once its 15-minute
target has passed (the test moves the item's clock, it never sleeps), sends the check-in
message, marks "reached out", decides, and is taken to the next item. An advice request gets
the off-platform reply and its author sees it. A member reports an evaluation tip and a
moderator removes it. Each step is screenshot at 1280 and 390 px and checked with axe.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.staff import (
    HttpPerson,
    browser_page,
    create_admin,
    form_fields,
    grant_role,
    join_community,
    register_person,
    sign_in,
    unique,
)

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]
Axe = Callable[[Page], list[dict[str, Any]]]

COMMUNITY = "major-depressive-disorder"
CRISIS = "I can't do this anymore. I am going to kill myself tonight, I have the pills ready."
ADVICE = "My A1c is 9.1 on 1000mg metformin twice a day, should I double my dose?"
# Rude, not what screening holds: only a member's report brings it to a moderator.
TIP = "Anyone who takes this is an idiot, the side effects are a hoax invented by lazy nurses."


def _both_widths(page: Page, screenshot: Shot, check_accessibility: Axe, name: str) -> None:
    """Screenshots at 1280 and 390 px wide, and axe at each."""
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        screenshot(page, f"{name}-{width}")
        check_accessibility(page)
    page.set_viewport_size({"width": 1280, "height": 900})


def _start_thread(page: Page, slug: str, title: str, body: str, *,
                  ask_a_clinician: bool = False) -> int:
    page.goto(f"/communities/{slug}/threads/new")
    page.get_by_label("Title").fill(title)
    if ask_a_clinician:
        page.get_by_role("radio", name=re.compile(r"Ask a clinician")).check()
    page.get_by_label("Your post").fill(body)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page).to_have_url(re.compile(r"/threads/\d+$"))
    match = re.search(r"/threads/(\d+)$", page.url)
    assert match
    return int(match.group(1))


def _move_clock(server: LiveServer, item_id: int, minutes: int) -> None:
    """Time passing for one queue item: it was opened `minutes` earlier than recorded."""
    path = server.database_url.split(":///", 1)[1]
    with sqlite3.connect(path) as db:
        (opened,) = db.execute("SELECT opened_at FROM review_item WHERE id = ?",
                               (item_id,)).fetchone()
        moved = datetime.fromisoformat(opened) - timedelta(minutes=minutes)
        text = moved.isoformat(sep=" " if " " in opened else "T")
        db.execute("UPDATE review_item SET opened_at = ? WHERE id = ?", (text, item_id))


def _forget_404(problems: list[str], path: str) -> None:
    """A 404 that is the point of the step; the browser logs it as a console error."""
    problems[:] = [p for p in problems if not (path in p and "404" in p)]


def test_a_crisis_post_from_the_uk_to_the_moderator_who_reaches_out(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Shot, check_accessibility: Axe,
) -> None:
    admin = create_admin(live_server)
    moderator = register_person(live_server, "crisis_mod")
    writer = register_person(live_server, "uk_member")
    other = register_person(live_server, "other_member")

    with browser_page(browser, live_server, browser_problems) as admin_page, \
            browser_page(browser, live_server, browser_problems) as mod_page, \
            browser_page(browser, live_server, browser_problems) as other_page:
        sign_in(admin_page, admin)
        grant_role(admin_page, moderator, "moderator")
        sign_in(mod_page, moderator)

        # The writer lives in the UK (their profile says so) and posts a crisis text.
        sign_in(page, writer)
        join_community(page, COMMUNITY)
        page.goto("/account/profile")
        page.get_by_label("Country", exact=True).select_option("GB")
        page.get_by_role("button", name=re.compile("^Save")).first.click()
        thread_id = _start_thread(page, COMMUNITY, "A hard night", CRISIS)
        alert = page.get_by_role("alert").filter(
            has=page.get_by_role("heading", name="You are not alone. Help is available right now."))
        expect(alert).to_be_visible()
        expect(alert).to_contain_text("call 999 now")
        expect(alert).to_contain_text("Samaritans")
        expect(alert.get_by_role("link", name="116 123")).to_have_attribute("href", "tel:116123")
        expect(alert).to_contain_text("Text SHOUT to 85258")
        expect(alert).not_to_contain_text("988")
        expect(alert).to_contain_text("only you and the moderators can see your post")
        _both_widths(page, screenshot, check_accessibility, "uk-crisis-help")

        # Another member cannot see it, nor find it in the community.
        sign_in(other_page, other)
        join_community(other_page, COMMUNITY)
        response = other_page.goto(f"/threads/{thread_id}")
        assert response is not None and response.status == 404
        _forget_404(browser_problems, f"/threads/{thread_id}")
        expect(other_page.get_by_text("kill myself")).to_have_count(0)
        other_page.goto(f"/communities/{COMMUNITY}")
        expect(other_page.get_by_role("main")).not_to_contain_text("A hard night")
        screenshot(other_page, "other-member-does-not-see-it")

        # The moderator sees it first in the queue, not yet overdue.
        mod_page.goto("/moderation")
        # (The live server is shared with other journeys, which may leave crises of their own.)
        rows = mod_page.locator("#queue-items tbody tr")
        expect(rows.first).to_have_class(re.compile(r"reason-urgent"))
        crisis_row = rows.filter(has_text="I can't do this anymore")
        expect(crisis_row).to_have_count(1)
        expect(crisis_row).to_have_class(re.compile(r"reason-urgent"))
        expect(crisis_row).not_to_contain_text("over target")
        expect(mod_page.get_by_role("main")).to_contain_text("15 minutes for a crisis")
        href = crisis_row.get_by_role("link", name=re.compile("^Review")).get_attribute("href")
        assert href
        item_id = int(href.rsplit("/", 1)[1])
        _both_widths(mod_page, screenshot, check_accessibility, "queue-crisis-first")

        # Sixteen minutes later: overdue in the queue, on the item and in every page header.
        _move_clock(live_server, item_id, 16)
        mod_page.reload()
        expect(crisis_row).to_contain_text("over target")
        expect(mod_page.get_by_role("navigation", name="Main")).to_contain_text(
            re.compile(r"\d+ cris[ie]s? overdue"))
        _both_widths(mod_page, screenshot, check_accessibility, "queue-crisis-overdue")
        mod_page.goto("/communities")
        expect(mod_page.get_by_role("navigation", name="Main")).to_contain_text("overdue")

        # The item: the target named, the check-in message, "reached out".
        mod_page.goto(f"/moderation/items/{item_id}")
        main = mod_page.get_by_role("main")
        expect(main).to_contain_text("Post in “A hard night”")
        expect(main).to_contain_text("Over its response target of 15 minutes")
        message = mod_page.get_by_label(re.compile("^Check-in message"))
        expect(message).to_have_value(re.compile("Kindred moderation team"))
        _both_widths(mod_page, screenshot, check_accessibility, "crisis-item")
        mod_page.get_by_role("button", name="Send the check-in message").click()
        expect(mod_page.get_by_role("status")).to_contain_text("Your message was sent")
        mod_page.get_by_label(re.compile("^Note: how you reached out")).fill(
            "Sent the check-in; they replied and are with a friend tonight.")
        mod_page.get_by_role("button", name="Mark “reached out”").click()
        expect(mod_page.get_by_role("status")).to_contain_text("someone reached out")
        history = mod_page.locator("ol.history")
        expect(history).to_contain_text("check_in")
        expect(history).to_contain_text("with a friend tonight")
        screenshot(mod_page, "reached-out")

        # The writer has the message from the moderation team.
        page.goto(f"/messages/{moderator}")
        expect(page.get_by_role("main")).to_contain_text("Kindred moderation team")
        _both_widths(page, screenshot, check_accessibility, "writer-gets-the-check-in")

        # A second item waits, so the decision leads to it.
        _start_thread(other_page, COMMUNITY, "Meeting up", "call me on +44 7700 900123")
        mod_page.goto(f"/moderation/items/{item_id}")
        mod_page.get_by_role("button", name="Reject", exact=True).click()
        expect(mod_page).to_have_url(re.compile(r"/moderation/items/\d+$"))
        assert not mod_page.url.endswith(f"/{item_id}"), "the next item"
        expect(mod_page.get_by_role("status").first).to_contain_text(
            f"Item #{item_id}: Rejected: it stays hidden.")
        _both_widths(mod_page, screenshot, check_accessibility, "next-item-after-deciding")
        response = other_page.goto(f"/threads/{thread_id}")
        assert response is not None and response.status == 404
        _forget_404(browser_problems, f"/threads/{thread_id}")


def test_off_platform_reply_and_a_reported_tip(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Shot, check_accessibility: Axe,
) -> None:
    admin = create_admin(live_server)
    moderator = register_person(live_server, "answer_mod")
    asker = register_person(live_server, "asker")

    with browser_page(browser, live_server, browser_problems) as admin_page, \
            browser_page(browser, live_server, browser_problems) as mod_page:
        sign_in(admin_page, admin)
        grant_role(admin_page, moderator, "moderator")
        sign_in(mod_page, moderator)

        # An advice request in "ask a clinician" is moved off the public page.
        sign_in(page, asker)
        join_community(page, "type-2-diabetes")
        thread_id = _start_thread(page, "type-2-diabetes", "Metformin and A1c", ADVICE,
                                  ask_a_clinician=True)
        expect(page.get_by_role("main")).to_contain_text("Contact your own clinician")

        # The moderator sends the standard off-platform reply.
        mod_page.goto("/moderation/off-platform")
        card = mod_page.locator("article.card").filter(has_text="should I double my dose")
        expect(card.get_by_role("textbox")).to_have_value(re.compile("^Thank you for asking"))
        _both_widths(mod_page, screenshot, check_accessibility, "off-platform-queue")
        card.get_by_role("button", name="Send the standard reply").click()
        expect(mod_page.get_by_role("status")).to_contain_text("sent into the thread")

        # Its author is told and sees the answer under their post.
        page.goto("/notifications")
        expect(page.get_by_role("main")).to_contain_text("was answered")
        page.goto(f"/threads/{thread_id}")
        posts = page.locator("article.post")
        expect(posts).to_have_count(2)
        expect(posts.nth(1)).to_contain_text("Thank you for asking")
        expect(posts.nth(1)).to_contain_text(moderator)
        _both_widths(page, screenshot, check_accessibility, "asker-sees-the-reply")

        # A published tip: another member reports it, a moderator removes it.
        tipper = HttpPerson(live_server, unique("tipper")).register().login()
        try:
            created = tipper.post("/my/treatments/new", {
                "treatment": "Methotrexate", "purpose": "Rheumatoid arthritis",
                "started_on": "2026-01-10", "amount": "15", "unit": "mg",
                "frequency": "weekly"})
            course = created.headers["location"].split("?")[0]
            form = tipper.get(f"{course}/evaluations/new").text
            fields = form_fields(form, f"{course}/evaluations/new")
            purpose = re.search(r'name="(effect_(?:condition|symptom)_\d+)"', form)
            assert purpose
            fields.update({purpose.group(1): "major", "side_effect_severity": "mild",
                           "adherence": "always", "burden": "a_little", "cost": "under_25",
                           "tip": TIP, "visibility": "members"})
            tipper.post(f"{course}/evaluations/new", fields)
        finally:
            tipper.close()
        page.goto("/treatments/methotrexate")
        card = page.locator("article.evaluation").filter(has_text=TIP)
        expect(card).to_have_count(1)
        card.get_by_role("link", name="Report this tip").click()
        expect(page.get_by_role("main")).to_contain_text(TIP)
        page.get_by_label("Inappropriate").check()
        _both_widths(page, screenshot, check_accessibility, "report-a-tip")
        page.get_by_role("button", name=re.compile("^(Report|Send)")).click()
        expect(page).to_have_url(re.compile(r"/treatments/methotrexate"))

        mod_page.goto("/moderation")
        row = mod_page.locator("#queue-items tbody tr").filter(has_text="lazy nurses")
        expect(row).to_have_count(1)
        row.get_by_role("link", name=re.compile("^Review")).click()
        expect(mod_page.get_by_role("main")).to_contain_text("Tip in an evaluation of Methotrexate")
        _both_widths(mod_page, screenshot, check_accessibility, "tip-review")
        mod_page.get_by_role("button", name="Reject", exact=True).click()
        expect(mod_page.get_by_role("status").first).to_contain_text("Rejected")

        page.goto("/treatments/methotrexate")
        expect(page.get_by_role("main")).not_to_contain_text("lazy nurses")
        _both_widths(page, screenshot, check_accessibility, "tip-removed")
