"""Moderation in a real browser: what screening does to a post the moment it is sent, and the
moderator working the queue.

One patient (the `page` fixture) posts an advice request in an "ask a clinician" thread, a
crisis post and a post with a telephone number; another member reads; a moderator (made by
an administrator created with `kindred create-admin`) works the queue.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.staff import (
    browser_page,
    create_admin,
    grant_role,
    join_community,
    register_person,
    sign_in,
)

pytestmark = pytest.mark.browser

# Filled by the journey for the test after it (same module, run in order).

COMMUNITY = "type-2-diabetes"
ADVICE = "My A1c is 9.1 on 1000mg metformin twice a day, should I double my dose?"
CRISIS = "I want to die, I am going to take all my pills tonight"
PHONE = "+44 7700 900123"
WITH_PHONE = f"call me on {PHONE}"
WITHOUT_PHONE = "Happy to compare notes here in the community instead."
SENSORS = "Which sensor do you use, and how do you find it?"
PROMOTION = ("Try GlucoFix capsules, 30% off with my code SAVE30 at glucofix-shop.example, "
             "it cured my diabetes!")


def _start_thread(page: Page, title: str, body: str, *, ask_a_clinician: bool = False) -> int:
    page.goto(f"/communities/{COMMUNITY}/threads/new")
    page.get_by_label("Title").fill(title)
    if ask_a_clinician:
        page.get_by_role("radio", name=re.compile(r"Ask a clinician")).check()
    page.get_by_label("Your post").fill(body)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page).to_have_url(re.compile(r"/threads/\d+$"))
    match = re.search(r"/threads/(\d+)$", page.url)
    assert match
    return int(match.group(1))


def _queue_row(page: Page, text: str, author: str = "") -> Any:
    """Pending queue rows showing `text` (and written by `author`, when given): the live
    server is shared with other journeys."""
    rows = page.locator("#queue-items tbody tr").filter(has_text=text)
    return rows.filter(has_text=author) if author else rows


def _decide(page: Page, text: str, author: str, action: str, note: str = "") -> None:
    """Open the pending queue item of `author` whose excerpt shows `text` and decide it."""
    page.goto("/moderation")
    _queue_row(page, text, author).first.get_by_role("link", name="Review").click()
    expect(page).to_have_url(re.compile(r"/moderation/items/\d+$"))
    if note:
        page.get_by_label("Note (kept in the history)").fill(note)
    page.get_by_role("button", name=action, exact=True).click()
    # The decision is confirmed on the next item in the queue (or the queue itself) ...
    expect(page).to_have_url(re.compile(r"/moderation(/items/\d+)?$"))
    confirmation = page.locator(".flash-region")
    expect(confirmation).to_contain_text("Item #")
    decided = re.search(r"Item #(\d+)", confirmation.inner_text())
    assert decided
    # ... and the journey looks at the decided item again, through the confirmation's link.
    confirmation.get_by_role("link", name="See it again").click()
    expect(page).to_have_url(re.compile(rf"/moderation/items/{decided.group(1)}$"))


def test_screening_at_once_and_the_moderator_works_the_queue(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], list[dict[str, Any]]],
) -> None:
    admin = create_admin(live_server)
    moderator = register_person(live_server, "moderator")
    patient = register_person(live_server, "patient")
    member = register_person(live_server, "member")

    with browser_page(browser, live_server, browser_problems) as admin_page, \
            browser_page(browser, live_server, browser_problems) as mod_page, \
            browser_page(browser, live_server, browser_problems) as member_page:
        # The administrator makes the moderator through /admin/users.
        sign_in(admin_page, admin)
        grant_role(admin_page, moderator, "moderator")
        screenshot(admin_page, "admin-made-a-moderator")
        sign_in(mod_page, moderator)

        sign_in(page, patient)
        join_community(page, COMMUNITY)
        sign_in(member_page, member)
        join_community(member_page, COMMUNITY)

        # (a) A request for personal advice in "ask a clinician": the referral shows at once.
        advice_thread = _start_thread(page, "Metformin and A1c", ADVICE, ask_a_clinician=True)
        main = page.get_by_role("main")
        expect(main.get_by_role("heading", name="Your question was moved off the public page")
               ).to_be_visible()
        expect(main).to_contain_text("Contact your own clinician")
        expect(main).to_contain_text("should I double my dose")
        screenshot(page, "advice-request-referral")
        check_accessibility(page)

        # ... and another member of the community does not see it.
        response = member_page.goto(f"/threads/{advice_thread}")
        assert response is not None and response.status == 404, response and response.status
        # That 404 is the point; the browser logs it as a console error.
        browser_problems[:] = [p for p in browser_problems
                               if not (f"/threads/{advice_thread}:" in p and "404" in p)]
        expect(member_page.get_by_text("should I double my dose")).to_have_count(0)
        screenshot(member_page, "member-cannot-see-advice-request")
        member_page.goto(f"/communities/{COMMUNITY}")
        expect(member_page.get_by_role("main")).not_to_contain_text("Metformin and A1c")

        # (b) A crisis post: help at once, and the top of the moderators' queue.
        crisis_thread = _start_thread(page, "A hard night", CRISIS)
        alert = page.get_by_role("alert").filter(
            has=page.get_by_role("heading", name="You are not alone. Help is available right now."))
        expect(alert).to_be_visible()
        expect(alert).to_contain_text(re.compile(r"call \d{3}"))  # the emergency number
        expect(alert.get_by_role("link").first).to_be_visible()  # a crisis line
        screenshot(page, "crisis-help")
        check_accessibility(page)

        mod_page.goto("/moderation")
        expect(mod_page.get_by_role("heading", name="Review queue")).to_be_visible()
        rows = mod_page.locator("#queue-items tbody tr")
        expect(rows.first).to_have_class(re.compile(r"reason-urgent"))
        expect(rows.first.get_by_text("crisis", exact=True)).to_be_visible()
        crisis_row = _queue_row(mod_page, "I want to die", patient)
        expect(crisis_row).to_have_count(1)
        expect(crisis_row).to_have_class(re.compile(r"reason-urgent"))
        expect(crisis_row.locator("time")).to_have_text(re.compile(r"^\d+ min$"))
        # Crisis rows come before every other reason.
        reasons = [c or "" for c in rows.evaluate_all("rs => rs.map(r => r.className)")]
        first_other = next((i for i, c in enumerate(reasons) if "reason-urgent" not in c),
                           len(reasons))
        assert all("reason-urgent" not in c for c in reasons[first_other:]), reasons
        screenshot(mod_page, "queue-crisis-first")
        check_accessibility(mod_page)

        # (c) A telephone number in a reply: held, the number highlighted. The moderator
        # opens the thread (staff posts are not premoderated).
        join_community(mod_page, COMMUNITY)
        sensors_thread = _start_thread(mod_page, "Glucose sensors", SENSORS)
        expect(mod_page.locator("article.post.status-published")).to_have_count(1)
        page.goto(f"/threads/{sensors_thread}")
        page.get_by_label("Your reply").fill(WITH_PHONE)
        page.get_by_role("button", name="Reply").click()
        held = page.locator("#new-posts .held-notice")
        expect(held.get_by_role("heading", name="Your post is waiting for a moderator")
               ).to_be_visible()
        expect(held.locator("mark")).to_have_text(PHONE)
        screenshot(page, "phone-number-held")
        check_accessibility(page)
        member_page.goto(f"/threads/{sensors_thread}")
        expect(member_page.get_by_role("main")).to_contain_text("Which sensor do you use")
        expect(member_page.get_by_text(PHONE)).to_have_count(0)

        # The author edits the number out; the edit is screened again.
        page.locator("#new-posts article.post").get_by_role("link", name="Edit").click()
        expect(page).to_have_url(re.compile(r"/posts/\d+/edit$"))
        check_accessibility(page)
        page.get_by_label("Your post").fill(WITHOUT_PHONE)
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(rf"/threads/{sensors_thread}"))
        post = page.locator("article.post").filter(has_text="here in the community")
        expect(post).to_be_visible()
        expect(post.locator(".held-notice")).to_have_count(0)
        expect(page.get_by_text(PHONE)).to_have_count(0)
        screenshot(page, "phone-number-edited-out")
        still_pending = "status-pending" in (post.get_attribute("class") or "")

        if still_pending:
            # A new member's first posts wait for a moderator anyway (premoderation).
            expect(post.get_by_text(re.compile(r"^Waiting for review"))).to_be_visible()
            member_page.goto(f"/threads/{sensors_thread}")
            expect(member_page.get_by_text("here in the community")).to_have_count(0)
            # (d) The moderator approves it in the queue ...
            mod_page.goto("/moderation")
            expect(_queue_row(mod_page, "here in the community").first).to_be_visible()
            screenshot(mod_page, "queue-with-the-edited-post")
            _decide(mod_page, "here in the community", patient, "Approve")
            expect(mod_page.get_by_role("heading", level=1)).to_contain_text("approved")
            screenshot(mod_page, "approved")
            check_accessibility(mod_page)

        # ... and another member now reads it.
        member_page.goto(f"/threads/{sensors_thread}")
        expect(member_page.get_by_role("main")).to_contain_text("here in the community")
        expect(member_page.get_by_text(PHONE)).to_have_count(0)
        screenshot(member_page, "member-reads-the-edited-post")

        # (d) The moderator works the queue: approves the crisis post (it stays up; the
        # author was shown help) ...
        _decide(mod_page, "I want to die", patient, "Approve",
                note="Reached out with crisis resources.")
        expect(mod_page.get_by_role("heading", level=1)).to_contain_text("approved")
        expect(mod_page.locator("ol.history")).to_contain_text("Reached out with crisis")
        screenshot(mod_page, "crisis-item-approved")
        check_accessibility(mod_page)

        # ... and rejects another member's promotion with a note.
        member_page.goto(f"/threads/{sensors_thread}")
        member_page.get_by_label("Your reply").fill(PROMOTION)
        member_page.get_by_role("button", name="Reply").click()
        expect(member_page.locator("#new-posts .held-notice")).to_be_visible()
        mod_page.goto("/moderation")
        expect(_queue_row(mod_page, "GlucoFix", member)).to_have_count(1)
        screenshot(mod_page, "queue-with-promotion")
        _decide(mod_page, "GlucoFix", member, "Reject", note="Promotion is not allowed here.")
        expect(mod_page.get_by_role("heading", level=1)).to_contain_text("rejected")
        expect(mod_page.locator("ol.history")).to_contain_text("Promotion is not allowed here.")
        screenshot(mod_page, "rejected-with-a-note")
        check_accessibility(mod_page)
        mod_page.goto("/moderation")
        expect(_queue_row(mod_page, "GlucoFix", member)).to_have_count(0)
        expect(_queue_row(mod_page, "I want to die", patient)).to_have_count(0)
        expect(_queue_row(mod_page, "here in the community")).to_have_count(0)
        screenshot(mod_page, "queue-after-decisions")

        page.goto(f"/threads/{sensors_thread}")
        expect(page.get_by_role("main")).not_to_contain_text("GlucoFix")
        page.goto(f"/threads/{crisis_thread}")
        expect(page.get_by_role("main")).to_contain_text("A hard night")

        # The post was published without the number, so nothing about its first version
        # may still wait in the queue showing the number.
        mod_page.goto("/moderation")
        expect(_queue_row(mod_page, PHONE, patient)).to_have_count(0)


def test_a_held_thread_highlights_the_number_itself(
    page: Page, live_server: LiveServer, screenshot: Callable[[Page, str], Path],
) -> None:
    """The opening post of a thread is screened with its title ("title\\n\\nbody"), and the
    highlight must mark the number in the body the author sees."""
    patient = register_person(live_server, "patient")
    sign_in(page, patient)
    join_community(page, COMMUNITY)
    _start_thread(page, "Meeting up", WITH_PHONE)
    held = page.locator(".held-notice")
    expect(held.get_by_role("heading", name="Your post is waiting for a moderator")
           ).to_be_visible()
    screenshot(page, "thread-with-phone-held")
    marked = held.locator("mark").all_inner_texts()
    assert marked == [PHONE]
