"""Clinicians in a real browser: apply, be verified, write education, peer review.

A person applies as a clinician, an administrator verifies the licence, the clinician
writes an article with references and submits it; a second verified clinician returns it
with comments, the author fixes and resubmits, the second clinician publishes it, and
readers see it labelled as education with the author's disclosures.
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
    HttpPerson,
    browser_page,
    create_admin,
    register_person,
    sign_in,
    unique,
)

pytestmark = pytest.mark.browser

LABEL = "Educational information, not individual medical advice"
DISCLOSURES = "Speaker fees from Example Pharma (2025); no shares."
TITLE = "Understanding HbA1c"
BODY = """HbA1c reflects **average blood glucose** over about three months.

## What the number means

- Below 48 mmol/mol is the usual target for many adults with type 2 diabetes.
- Targets are set individually with your own care team.
"""
REFERENCES = ("NICE guideline NG28: Type 2 diabetes in adults: management (2015, updated 2022)\n"
              "American Diabetes Association. Standards of Care in Diabetes 2024.")
FIX = "\n\nHbA1c can read falsely low or high with some anaemias and haemoglobin variants."


def _apply(page: Page, real_name: str) -> None:
    page.goto("/clinicians/apply")
    expect(page.get_by_role("heading", name="Apply as a clinician")).to_be_visible()
    page.get_by_label("Real name, as on your licence").fill(real_name)
    page.get_by_label("Profession").fill("Physician")
    page.get_by_label("Specialty").fill("Endocrinology")
    page.get_by_label("Licence or registration number").fill("GMC 7654321")
    page.get_by_label("Issued by (country, state or board)").fill("General Medical Council, UK")
    page.get_by_label(re.compile(r"^Conflicts of interest")).fill(DISCLOSURES)
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"/clinicians/apply$"))
    expect(page.get_by_role("status")).to_contain_text("A moderator will verify your licence")


def _approve(admin_page: Page, real_name: str) -> None:
    admin_page.goto("/moderation/clinicians")
    card = admin_page.locator("article.card").filter(
        has=admin_page.get_by_role("heading", name=re.compile(re.escape(real_name))))
    expect(card).to_contain_text("GMC 7654321")
    card.get_by_role("button", name="Licence verified: approve").click()
    expect(admin_page).to_have_url(re.compile(r"/moderation/clinicians$"))
    expect(admin_page.get_by_role("heading", name=re.compile(re.escape(real_name)))
           ).to_have_count(0)


def _ensure_signed_in(page: Page, username: str, path: str) -> None:
    """A role change rotates sessions: sign in again when the site asks."""
    page.goto(path)
    if "/login" in page.url:
        sign_in(page, username)
        page.goto(path)


def test_apply_verify_write_review_return_fix_publish(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], list[dict[str, Any]]],
) -> None:
    admin = create_admin(live_server)
    author = register_person(live_server, "clinician")
    author_name = f"Dr Ada {unique('Lovelace').split('_')[1]}"
    reviewer = unique("reviewer")
    reviewer_name = f"Dr Grace {reviewer.split('_')[1]}"

    # The second clinician applies over HTTP (the first one's journey is the browser's).
    second = HttpPerson(live_server, reviewer).register().login()
    second.post("/clinicians/apply", {
        "real_name": reviewer_name, "profession": "Physician", "specialty": "Endocrinology",
        "licence_number": "GMC 7654321", "jurisdiction": "General Medical Council, UK",
        "disclosures": "None"})
    second.close()

    sign_in(page, author)
    page.goto("/clinicians/apply")
    screenshot(page, "apply")
    check_accessibility(page)
    _apply(page, author_name)
    screenshot(page, "applied")
    check_accessibility(page)

    with browser_page(browser, live_server, browser_problems) as admin_page, \
            browser_page(browser, live_server, browser_problems) as reviewer_page:
        sign_in(admin_page, admin)
        admin_page.goto("/moderation/clinicians")
        expect(admin_page.get_by_role("heading", name="Clinician applications")).to_be_visible()
        expect(admin_page.get_by_role("main")).to_contain_text(DISCLOSURES)
        screenshot(admin_page, "applications")
        check_accessibility(admin_page)
        _approve(admin_page, author_name)
        _approve(admin_page, reviewer_name)
        admin_page.goto("/moderation/clinicians?status=approved")
        expect(admin_page.get_by_role("heading", name=re.compile(re.escape(author_name)))
               ).to_be_visible()
        screenshot(admin_page, "approved-applications")

        # The verified clinician writes an article.
        _ensure_signed_in(page, author, "/clinicians/apply")
        expect(page.get_by_role("main")).to_contain_text("You are a verified clinician.")
        _ensure_signed_in(page, author, "/education/new")
        expect(page.get_by_role("heading", name="Write an article")).to_be_visible()
        page.get_by_label("Title").fill(TITLE)
        page.get_by_label("Article (Markdown)").fill(BODY)
        page.get_by_label("References, one per line").fill(REFERENCES)
        screenshot(page, "write-article")
        check_accessibility(page)
        page.get_by_role("button", name="Save draft").click()
        expect(page).to_have_url(re.compile(r"/education/\d+$"))
        article_path = page.url.replace(live_server.url, "")
        expect(page.locator("strong", has_text="average blood glucose")).to_be_visible()
        expect(page.locator("ol.references li")).to_have_count(2)
        page.get_by_role("button", name="Submit for review").click()
        expect(page).to_have_url(re.compile(re.escape(article_path) + "$"))
        expect(page.get_by_role("status")).to_contain_text("Submitted for review.")
        screenshot(page, "submitted")
        check_accessibility(page)

        # Not public yet.
        with browser_page(browser, live_server, browser_problems) as reader:
            response = reader.goto(article_path)
            assert response is not None and response.status == 404
        # That 404 is the point; the browser logs it as a console error.
        browser_problems[:] = [p for p in browser_problems
                               if not (f"{article_path}:" in p and "404" in p)]

        # The second verified clinician returns it with comments.
        sign_in(reviewer_page, reviewer)
        reviewer_page.goto("/education?status=submitted")
        reviewer_page.get_by_role("link", name=TITLE).first.click()
        expect(reviewer_page).to_have_url(re.compile(re.escape(article_path) + "$"))
        expect(reviewer_page.get_by_role("group", name="Checklist")).to_be_visible()
        screenshot(reviewer_page, "review-form")
        check_accessibility(reviewer_page)
        reviewer_page.get_by_label("Comments for the author").fill(
            "Please mention when HbA1c is unreliable (anaemia, haemoglobin variants).")
        reviewer_page.get_by_role("button", name="Return with comments").click()
        expect(reviewer_page).to_have_url(re.compile(re.escape(article_path) + "$"))
        expect(reviewer_page.get_by_role("status")).to_contain_text("Review recorded.")
        expect(reviewer_page.locator(".review-comments")).to_contain_text("return")
        screenshot(reviewer_page, "returned")

        # The author reads the comments, fixes and resubmits.
        page.goto(article_path)
        expect(page.locator(".review-comments")).to_contain_text("haemoglobin variants")
        screenshot(page, "author-reads-comments")
        page.get_by_role("link", name="Edit", exact=True).click()
        expect(page.get_by_role("heading", name="Edit article")).to_be_visible()
        page.get_by_label("Article (Markdown)").fill(BODY + FIX)
        page.get_by_role("button", name="Save draft").click()
        expect(page).to_have_url(re.compile(re.escape(article_path) + "$"))
        expect(page.get_by_role("status")).to_contain_text("Draft saved.")
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_role("status")).to_contain_text("Submitted for review.")
        screenshot(page, "resubmitted")

        # The second clinician publishes it, every checklist item ticked.
        reviewer_page.goto(article_path)
        expect(reviewer_page.get_by_role("main")).to_contain_text("falsely low or high")
        checklist = reviewer_page.get_by_role("group", name="Checklist")
        for box in checklist.get_by_role("checkbox").all():
            box.check()
        reviewer_page.get_by_label("Comments for the author").fill("Thank you, clear and sourced.")
        reviewer_page.get_by_role("button", name="Publish").click()
        expect(reviewer_page.get_by_role("status")).to_contain_text("Review recorded.")
        screenshot(reviewer_page, "published-by-reviewer")

    # Anyone reads it: the education label and the author's disclosures are shown.
    with browser_page(browser, live_server, browser_problems) as reader:
        reader.goto(article_path)
        article = reader.locator("article.education-article")
        expect(article.get_by_role("note")).to_have_text(LABEL)
        expect(article.get_by_role("heading", level=1)).to_have_text(TITLE)
        expect(article).to_contain_text(author_name)
        expect(article).to_contain_text("falsely low or high")
        expect(article.locator("ol.references li")).to_have_count(2)
        disclosures = article.locator("aside.disclosures")
        expect(disclosures.get_by_role("heading", name="Conflicts of interest")).to_be_visible()
        expect(disclosures).to_contain_text(DISCLOSURES)
        screenshot(reader, "published-article")
        check_accessibility(reader)
        reader.goto("/education")
        expect(reader.get_by_role("link", name=TITLE)).to_be_visible()
        screenshot(reader, "education-list")
        check_accessibility(reader)
