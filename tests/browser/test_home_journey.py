"""Living in Kindred: the signed-in home per role, people's names that lead to them, and the
header on a phone. Screens at 1280 px and 390 px, each checked with axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.journeys import tidy_screenshots
from tests.browser.staff import (
    apply_for_research,
    browser_page,
    create_admin,
    join_community,
    register_person,
    sign_in,
)

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def at_both_widths(page: Page, screenshot: Callable[[Page, str], Path],
                   check_accessibility: Callable[[Page], Any], name: str) -> None:
    """Screens at 1280 px and 390 px, axe at both, and no sideways scrolling on the phone."""
    for label, size in (("1280", WIDE), ("390", PHONE)):
        page.set_viewport_size(size)
        screenshot(page, f"{name}-{label}")
        check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
    page.set_viewport_size(WIDE)


def test_an_administrator_approves_a_waiting_researcher_from_home_in_two_clicks(
    page: Page, live_server: LiveServer, screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], Any],
) -> None:
    shot = tidy_screenshots(screenshot)
    admin = create_admin(live_server)
    researcher = register_person(live_server, "researcher")
    project = f"Home journeys {researcher.split('_')[1]}"
    apply_for_research(live_server, researcher, project)

    page.set_viewport_size(WIDE)
    sign_in(page, admin)
    waiting = page.locator("#home-research_applications")
    expect(waiting.get_by_role("heading")).to_contain_text("Research applications waiting")
    expect(waiting.get_by_role("link", name=project)).to_be_visible()
    at_both_widths(page, shot, check_accessibility, "admin-home")

    # The staff menu on a phone: one disclosure, links grouped under "Staff".
    page.set_viewport_size(PHONE)
    page.get_by_role("navigation", name="Main").get_by_text("Menu", exact=True).click()
    menu = page.locator("details.nav-menu")
    expect(menu.get_by_role("link", name="Research applications")).to_be_visible()
    shot(page, "admin-menu-390")
    check_accessibility(page)
    page.get_by_role("navigation", name="Main").get_by_text("Menu", exact=True).click()
    page.set_viewport_size(WIDE)

    # Click one: the application. Click two: approve it.
    waiting.get_by_role("link", name=project).click()
    expect(page).to_have_url(re.compile(r"/admin/research#application-\d+$"))
    application = page.locator("article.card").filter(
        has=page.get_by_role("heading", name=project))
    application.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved.")
    expect(page.locator("article.card").filter(has_text=project)).to_have_count(0)
    at_both_widths(page, shot, check_accessibility, "approved")

    page.goto("/")
    expect(page.locator("#home-research_applications")).to_contain_text(
        "No research application is waiting")


def test_a_patient_opens_an_authors_page_from_a_thread_and_writes_to_them(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Callable[[Page, str], Path], check_accessibility: Callable[[Page], Any],
) -> None:
    shot = tidy_screenshots(screenshot)
    author, reader = register_person(live_server, "kai"), register_person(live_server, "lena")
    title = f"Mornings with lupus {author.split('_')[1]}"
    with browser_page(browser, live_server, browser_problems) as author_page:
        sign_in(author_page, author)
        join_community(author_page, "lupus")
        author_page.goto("/communities/lupus")
        author_page.get_by_role("link", name="Start a thread").click()
        author_page.get_by_label("Title").fill(title)
        author_page.get_by_label("Your post").fill("The first hour after waking is the hardest.")
        author_page.get_by_role("button", name="Post").click()
        expect(author_page).to_have_url(re.compile(r"/threads/\d+$"))
        thread_url = author_page.url

    page.set_viewport_size(WIDE)
    sign_in(page, reader)
    join_community(page, "lupus")
    page.goto(thread_url)
    name = page.locator("article.post").first.get_by_role("link", name=author)
    expect(name.locator("img.avatar")).to_have_count(1)
    # Hovering shows the person's card (fetched by htmx), limited to what they allow.
    name.hover()
    card = page.locator(".person-card .person-summary").first
    expect(card).to_be_visible()
    expect(card.get_by_role("link", name="Send a message")).to_be_visible()
    at_both_widths(page, shot, check_accessibility, "thread-with-author-card")

    name.click()
    expect(page).to_have_url(re.compile(rf"/people/{author}$"))
    expect(page.get_by_role("button", name="Block")).to_be_visible()
    expect(page.get_by_role("link", name="Report")).to_be_visible()
    at_both_widths(page, shot, check_accessibility, "author-page")
    page.get_by_role("main").get_by_role("link", name="Send a message").click()
    page.get_by_label("Your message").fill("Mornings are hard for me too. I wake up stiff most days.")
    page.get_by_role("button", name="Send").click()
    sent = page.locator("ol.messages li").filter(has_text="I wake up stiff most days")
    expect(sent).to_be_visible()
    expect(sent).not_to_contain_text("not delivered")
    at_both_widths(page, shot, check_accessibility, "message-sent")

    # The reader's home now lists the community and, on a phone, the header is one row.
    page.goto("/")
    expect(page.locator("#home-communities")).to_contain_text("Lupus")
    at_both_widths(page, shot, check_accessibility, "patient-home")
    page.set_viewport_size(PHONE)
    header_height = page.locator("header.site-header").bounding_box()
    assert header_height is not None and header_height["height"] < 80
    for url in ("/", "/communities/lupus", thread_url, "/search?q=mornings",
                f"/people/{author}", "/account/profile", "/notifications", "/messages"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    page.set_viewport_size({"width": 360, "height": 740})
    for url in ("/", thread_url, "/search?q=mornings", "/account/profile"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth <= 360"), url


def test_a_patient_browses_treatments_by_condition_and_opens_a_report(
    page: Page, live_server: LiveServer, screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], Any],
) -> None:
    shot = tidy_screenshots(screenshot)
    patient = register_person(live_server, "nia")
    page.set_viewport_size(WIDE)
    sign_in(page, patient)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Treatments", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatments")
    expect(page.get_by_role("link", name="By condition")).to_have_attribute("aria-current", "page")
    at_both_widths(page, shot, check_accessibility, "treatments-by-condition")

    page.get_by_role("link", name="A to Z").click()
    expect(page.get_by_role("link", name="Methotrexate", exact=True)).to_be_visible()
    at_both_widths(page, shot, check_accessibility, "treatments-a-to-z")

    page.get_by_role("link", name="By condition").click()
    page.get_by_role("heading", name="Rheumatoid arthritis").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/conditions/rheumatoid-arthritis$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rheumatoid arthritis")
    at_both_widths(page, shot, check_accessibility, "condition-report")

    page.goto("/treatments?by=az")
    page.get_by_role("link", name="Methotrexate", exact=True).click()
    expect(page).to_have_url(re.compile(r"/treatments/methotrexate$"))
    at_both_widths(page, shot, check_accessibility, "treatment-report")
