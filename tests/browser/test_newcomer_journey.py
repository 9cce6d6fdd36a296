"""A newcomer's first visits in a real browser (the communities issue).

Two people register through the form. Bea starts a members-only thread in Migraine; Ada,
who joined Migraine and Fibromyalgia, reacts to it in place (htmx), replies, finds the
thread through search, edits her reply and reads its history, hides her country from
everyone but herself, lists her condition and finds Bea among the patients like her. A
signed-out visitor learns the thread's title and nothing of its body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.journeys import (
    header,
    join_community,
    register_and_sign_in,
    second_person,
    tidy_screenshots,
    unique_name,
)

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]
Axe = Callable[[Page], list[dict[str, Any]]]


def _list_condition(page: Page, name: str) -> None:
    page.goto("/account/profile")
    page.get_by_label(f"I live with {name}").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Your profile was saved.")).to_be_visible()


def _post_card(page: Page, author: str) -> Any:
    return page.locator("article.post").filter(
        has=page.locator("p.meta a.person-link", has_text=re.compile(f"^{author}$")))


def test_newcomer_joins_talks_searches_edits_and_finds_people_like_them(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Shot, check_accessibility: Axe,
) -> None:
    screenshot = tidy_screenshots(screenshot)
    ada, bea = unique_name("ada"), unique_name("bea")
    marker = unique_name("diary").replace("_", "")  # one word the search can find
    title = f"Weather changes and morning migraines {marker[-4:]}"
    opening = (f"Since last spring I wake up with a migraine most mornings when the weather "
               f"turns. Keeping a {marker} of sleep, coffee and pressure changes helped me "
               f"see the pattern. Has anyone else noticed the weather as a trigger?")

    # Ada joins through the form and signs in.
    page.goto("/register")
    screenshot(page, "ada-register")
    check_accessibility(page)
    register_and_sign_in(page, ada)
    screenshot(page, "ada-signed-in")

    # She joins two communities.
    join_community(page, "migraine")
    screenshot(page, "ada-joined-migraine")
    check_accessibility(page)
    join_community(page, "fibromyalgia")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fibromyalgia")

    with second_person(browser, live_server, browser_problems) as bea_page:
        # Bea joins the same way, lists Migraine and starts a members-only thread.
        register_and_sign_in(bea_page, bea)
        join_community(bea_page, "migraine")
        _list_condition(bea_page, "Migraine")
        bea_page.goto("/communities/migraine")
        bea_page.get_by_role("link", name="Start a thread").click()
        expect(bea_page.get_by_role("heading", name="Start a thread")).to_be_visible()
        bea_page.get_by_label("Title").fill(title)
        expect(bea_page.get_by_label("Members of this community (recommended)")).to_be_checked()
        bea_page.get_by_label("Your post").fill(opening)
        screenshot(bea_page, "bea-new-thread")
        check_accessibility(bea_page)
        bea_page.get_by_role("button", name="Post").click()
        expect(bea_page).to_have_url(re.compile(r"/threads/\d+$"))
        expect(bea_page.get_by_role("heading", level=1)).to_have_text(title)
        expect(bea_page.get_by_text("Members only", exact=True)).to_be_visible()
        bea_post = _post_card(bea_page, bea)
        expect(bea_post).to_contain_text(marker)
        expect(bea_post).not_to_contain_text("Waiting for review")
        thread_url = bea_page.url
        screenshot(bea_page, "bea-thread")

        # Ada reads it and marks Bea's post helpful: the count changes in place.
        page.goto(thread_url)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        screenshot(page, "ada-reads-thread")
        check_accessibility(page)
        page.evaluate("window.__samePage = true")
        helpful = _post_card(page, bea).get_by_role("button", name=re.compile(r"^Helpful"))
        expect(helpful).to_have_attribute("aria-pressed", "false")
        expect(helpful.locator(".count")).to_have_text("0")
        with page.expect_response(lambda r: r.url.endswith("/react")
                                  and r.request.headers.get("hx-request") == "true"):
            helpful.click()
        expect(helpful.locator(".count")).to_have_text("1")
        expect(helpful).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("window.__samePage") is True, "the reaction reloaded the page"
        assert page.url == thread_url
        screenshot(page, "ada-reacted-helpful")
        check_accessibility(page)

        # She replies (htmx appends her post and a fresh form, still the same page).
        reply_text = ("Same here. For me it is the drop in pressure before rain. "
                      "A dark room and a cold flannel on my neck get me through it.")
        page.get_by_label("Your reply").fill(reply_text)
        page.get_by_role("button", name="Reply").click()
        ada_post = _post_card(page, ada)
        expect(ada_post).to_contain_text("the drop in pressure before rain")
        expect(page.get_by_label("Your reply")).to_have_value("")
        assert page.evaluate("window.__samePage") is True, "the reply reloaded the page"
        screenshot(page, "ada-replied")
        check_accessibility(page)

        # Bea sees the reply and Ada's reaction after a reload.
        bea_page.reload()
        expect(_post_card(bea_page, ada)).to_contain_text("the drop in pressure before rain")
        expect(_post_card(bea_page, bea).locator(".reactions")).to_contain_text("Helpful 1")

        # Ada finds the thread through search.
        header(page).get_by_role("link", name="Search").click()
        page.get_by_label("Words to find").fill(marker)
        page.get_by_role("main").get_by_role("button", name="Search").click()
        expect(page).to_have_url(re.compile(rf"/search\?q={marker}"))
        hit = page.locator("#results").get_by_role("link", name=title)
        expect(hit).to_be_visible()
        screenshot(page, "ada-search-results")
        check_accessibility(page)
        hit.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)

        # She edits her reply and reads its earlier version.
        page.goto(thread_url)
        _post_card(page, ada).get_by_role("link", name="Edit").click()
        expect(page.get_by_role("heading", name="Edit your post")).to_be_visible()
        check_accessibility(page)
        edited = reply_text + " Magnesium in the evening seems to help me too."
        page.get_by_label("Your post").fill(edited)
        screenshot(page, "ada-edits-reply")
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/threads/\d+\?after=\d+#post-\d+$"))
        ada_post = _post_card(page, ada)
        expect(ada_post).to_contain_text("Magnesium in the evening")
        expect(ada_post.locator("p.meta").first).to_contain_text("edited")
        ada_post.get_by_role("link", name="Earlier versions").click()
        expect(page.get_by_role("heading", name="Versions of a post")).to_be_visible()
        versions = page.locator("section.card")
        expect(versions).to_have_count(2)
        expect(versions.nth(0)).to_contain_text("Version 2")
        expect(versions.nth(0)).to_contain_text("current")
        expect(versions.nth(0)).to_contain_text("Magnesium in the evening")
        expect(versions.nth(1)).to_contain_text("Version 1")
        expect(versions.nth(1)).not_to_contain_text("Magnesium")
        screenshot(page, "ada-post-history")
        check_accessibility(page)

        # Her country is for her eyes only; her conditions are for members.
        page.goto("/account/profile")
        check_accessibility(page)
        page.get_by_label("Country", exact=True).select_option(label="Ireland")
        page.get_by_label("Who may see your country").select_option(label="Only me")
        page.get_by_label("I live with Migraine").check()
        page.get_by_label("Year of diagnosis").first.fill("2019")
        screenshot(page, "ada-profile-form")
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_role("status").filter(has_text="Your profile was saved.")) \
            .to_be_visible()
        expect(page.get_by_label("Who may see your country")).to_have_value("only_me")
        page.get_by_role("link", name="See your profile").click()
        facts = page.locator("dl.facts")
        expect(facts).to_contain_text("Ireland")
        expect(facts).to_contain_text("Only me")
        expect(page.get_by_role("region", name="Conditions")).to_contain_text("Migraine")
        screenshot(page, "ada-own-profile")
        check_accessibility(page)

        bea_page.goto(f"/people/{ada}")
        expect(bea_page.get_by_role("heading", level=1)).to_contain_text(ada)
        expect(bea_page.get_by_role("region", name="Conditions")).to_contain_text("Migraine")
        expect(bea_page.get_by_role("main")).not_to_contain_text("Ireland")
        expect(bea_page.get_by_role("main")).not_to_contain_text("Country")
        screenshot(bea_page, "bea-sees-ada-profile")

        # Patients like Ada: Bea shares Migraine.
        page.goto("/people/like-me")
        expect(page.get_by_role("heading", name="People like me")).to_be_visible()
        card = page.locator("#results li.card").filter(
            has=page.get_by_role("link", name=bea, exact=True))
        expect(card).to_be_visible()
        expect(card).to_contain_text("Shares: Migraine")
        screenshot(page, "ada-people-like-me")
        check_accessibility(page)
        card.get_by_role("link", name=bea, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/people/{bea}$"))

    # A signed-out visitor sees that the thread exists, not what it says.
    with second_person(browser, live_server, browser_problems) as visitor:
        visitor.goto("/communities/migraine")
        listed = visitor.locator("#threads li").filter(has_text=title)
        expect(listed).to_contain_text("Members only")
        expect(listed).not_to_contain_text(bea)
        visitor.goto(thread_url)
        expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
        expect(visitor.get_by_text("This thread is for members of Migraine.")).to_be_visible()
        expect(visitor.get_by_role("link", name="Sign in to read it")).to_be_visible()
        main = visitor.get_by_role("main")
        expect(main).not_to_contain_text(marker)
        expect(main).not_to_contain_text("drop in pressure")
        expect(visitor.locator("article.post")).to_have_count(0)
        screenshot(visitor, "visitor-members-only-thread")
        check_accessibility(visitor)

