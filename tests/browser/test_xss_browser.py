"""XSS payloads in a real Chromium: titles, post bodies and profile text never run.

The integration suite (tests/integration/test_xss.py) checks the whole corpus in the HTML;
this journey checks a sample where it matters most, in the browser that would run it.
Each payload's `alert(1)` also sets `window.__xss`, so a payload that runs leaves a dialog
or a flag behind. The author browses with the site's CSP enforced (a blocked script is a
CSP violation, which fails the test too); a reader and a signed-out visitor browse with the
CSP bypassed, so that escaping alone has to keep the payloads inert.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import REPO_ROOT, LiveServer
from tests.browser.journeys import (
    join_community,
    register_and_sign_in,
    second_person,
    tidy_screenshots,
    unique_name,
)
from tests.browser.staff import create_admin, sign_in

pytestmark = pytest.mark.browser

CORPUS = (REPO_ROOT / "tests" / "data" / "xss_payloads.txt").read_text(encoding="utf-8")
# One of each family: a script tag, an event handler, a javascript: link, breaking out of
# an attribute, breaking out of a <textarea> (the edit forms put the text back in one).
SAMPLE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '"><script>alert(1)</script>',
    "</textarea><script>alert(1)</script>",
]
PAYLOADS = [p.replace("alert(1)", "(__xss=1,alert(1))") for p in SAMPLE]

# What an injected payload would leave in the DOM: scripts other than the site's own,
# event-handler attributes, javascript: URLs.
INJECTED = """() => {
  const found = [];
  for (const s of document.querySelectorAll('script')) {
    if (!(s.getAttribute('src') || '').startsWith('/static/')) found.push(s.outerHTML);
  }
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.replace(/\\s+/g, '').toLowerCase();
      if (a.name.startsWith('on') || v.startsWith('javascript:')) found.push(el.outerHTML);
    }
  }
  return found.map(h => h.slice(0, 200));
}"""


def _watch_dialogs(page: Page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type} on {page.url}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _assert_inert(page: Page, dialogs: list[str]) -> None:
    page.wait_for_load_state("load")
    assert dialogs == [], dialogs
    assert page.evaluate("typeof window.__xss") == "undefined", f"a payload ran on {page.url}"
    assert page.evaluate(INJECTED) == [], f"injected markup on {page.url}"


def _approve_held(browser: Browser, live_server: LiveServer, problems: list[str],
                  author: str, count: int) -> None:
    """An administrator approves `author`'s `count` held texts through the moderation queue,
    with the CSP bypassed: the queue and the review page show the payloads too."""
    admin = create_admin(live_server)  # a new one each time: `kindred create-admin` is cheap
    with second_person(browser, live_server, problems, bypass_csp=True) as moderator:
        dialogs = _watch_dialogs(moderator)
        sign_in(moderator, admin)
        for _ in range(count):
            moderator.goto("/moderation")
            _assert_inert(moderator, dialogs)
            rows = moderator.locator("#queue-items tbody tr").filter(has_text=author)
            rows.first.get_by_role("link", name="Review").click()
            expect(moderator).to_have_url(re.compile(r"/moderation/items/\d+$"))
            _assert_inert(moderator, dialogs)
            moderator.get_by_role("button", name="Approve", exact=True).click()
            # Confirmed on the next item in the queue, or on the queue itself.
            expect(moderator).to_have_url(re.compile(r"/moderation(/items/\d+)?$"))
            expect(moderator.locator(".flash-region")).to_contain_text("Approved.")
            _assert_inert(moderator, dialogs)
        moderator.goto("/moderation")
        expect(moderator.locator("#queue-items tbody tr").filter(has_text=author)) \
            .to_have_count(0)


def test_payloads_in_titles_posts_and_profiles_never_run(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], list[dict[str, Any]]],
) -> None:
    screenshot = tidy_screenshots(screenshot)
    for payload in SAMPLE:
        assert payload in CORPUS.splitlines(), f"{payload!r} is no longer in the corpus"
    author, reader = unique_name("mallory"), unique_name("reader")
    marker = unique_name("pacing").replace("_", "")
    # One thread per payload (title and body). Screening may hold a post that is mostly
    # markup (the model has flagged such posts as promotion): then the author's own view of
    # the held post, with its highlighted findings, is one more place the payload must stay
    # inert, and an administrator approves it in the queue so readers see it too.
    bodies = [f"Pacing my days helped with the fatigue ({marker}). Notes I tried:\n\n{payload}"
              for payload in PAYLOADS]
    about = ("Fibromyalgia since 2015. I like gardening and slow walks.\n\n"
             + "\n\n".join(PAYLOADS))
    author_dialogs = _watch_dialogs(page)

    # The author posts each payload as a thread's title and in its body.
    register_and_sign_in(page, author)
    join_community(page, "fibromyalgia")
    threads: list[str] = []
    held: list[str] = []
    for payload, body in zip(PAYLOADS, bodies, strict=True):
        page.goto("/communities/fibromyalgia/threads/new")
        page.get_by_label("Title").fill(payload)
        page.get_by_label("Everyone, including search engines").check()
        page.get_by_label("Your post").fill(body)
        page.get_by_role("button", name="Post").click()
        expect(page).to_have_url(re.compile(r"/threads/\d+$"))
        threads.append(page.url)
        expect(page.get_by_role("heading", level=1)).to_have_text(payload)
        first = page.locator("article.post").first
        expect(first).to_contain_text(marker)
        if "status-pending" in (first.get_attribute("class") or ""):
            expect(first.get_by_role("heading", name="Your post is waiting for a moderator")) \
                .to_be_visible()
            held.append(page.url)
        _assert_inert(page, author_dialogs)
    if held:
        _approve_held(browser, live_server, browser_problems, author, len(held))
        for url in held:
            page.goto(url)
            expect(page.locator("article.post").first).not_to_contain_text("Waiting for review")
            _assert_inert(page, author_dialogs)
    screenshot(page, "author-thread")
    check_accessibility(page)

    # An edit puts the body back in a <textarea>: the "</textarea>" payload must stay text.
    post_id = (page.locator("article.post").first.get_attribute("id") or "").removeprefix("post-")
    page.goto(f"/posts/{post_id}/edit")
    expect(page.get_by_label("Your post")).to_have_value(bodies[-1])
    _assert_inert(page, author_dialogs)
    page.get_by_label("Your post").fill(bodies[-1] + "\n\nEdited to add: rest days too.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("article.post").first).to_contain_text("rest days too")
    _assert_inert(page, author_dialogs)
    page.goto(f"/posts/{post_id}/history")
    expect(page.locator("pre.source").nth(1)).to_have_text(bodies[-1])
    _assert_inert(page, author_dialogs)
    screenshot(page, "author-post-history")

    page.goto("/account/profile")
    page.get_by_label("About you", exact=True).fill(about)
    page.get_by_label("Who may read this").select_option(label="Everyone, also signed out")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status").filter(has_text="Your profile was saved.")).to_be_visible()
    expect(page.get_by_label("About you", exact=True)).to_have_value(about)
    _assert_inert(page, author_dialogs)
    if page.get_by_role("main").get_by_text("waiting for a moderator").count():
        _approve_held(browser, live_server, browser_problems, author, 1)
        page.goto("/account/profile")
        expect(page.get_by_role("main")).not_to_contain_text("waiting for a moderator")
    page.goto(f"/people/{author}")
    expect(page.get_by_role("region", name="About")).to_contain_text(PAYLOADS[1])
    _assert_inert(page, author_dialogs)
    screenshot(page, "author-profile")

    # A reader and a signed-out visitor, without the CSP to help: escaping alone.
    pages = [*threads, "/communities/fibromyalgia", f"/search?q={marker}", f"/people/{author}"]
    with second_person(browser, live_server, browser_problems, bypass_csp=True) as other:
        reader_dialogs = _watch_dialogs(other)
        register_and_sign_in(other, reader)
        for url in [*pages, "/"]:
            other.goto(url)
            _assert_inert(other, reader_dialogs)
        for url, payload in zip(threads, PAYLOADS, strict=True):
            other.goto(url)
            expect(other.get_by_role("heading", level=1)).to_have_text(payload)
            expect(other.locator("article.post").first).to_contain_text(marker)
        other.goto(f"/search?q={marker}")
        for payload in PAYLOADS:
            expect(other.locator("#results").get_by_role("link", name=payload, exact=True)) \
                .to_be_visible()
        screenshot(other, "reader-search")
        other.goto(f"/people/{author}")
        expect(other.get_by_role("region", name="About")).to_contain_text(PAYLOADS[3])
        screenshot(other, "reader-profile")

    with second_person(browser, live_server, browser_problems, bypass_csp=True) as visitor:
        visitor_dialogs = _watch_dialogs(visitor)
        for url in pages:
            visitor.goto(url)
            _assert_inert(visitor, visitor_dialogs)
        visitor.goto(threads[0])
        expect(visitor.get_by_role("heading", level=1)).to_have_text(PAYLOADS[0])
        screenshot(visitor, "visitor-thread")
        visitor.goto(f"/people/{author}")
        expect(visitor.get_by_role("region", name="About")).to_contain_text(PAYLOADS[0])
