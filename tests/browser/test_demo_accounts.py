"""The README's demo accounts, on a fresh `kindred db upgrade` + `kindred demo` database.

Each account signs in from the home page and does its main job by following links only
(no typed URLs): a patient evaluates a treatment, dr_demo writes and submits an article, the
moderator decides the top crisis item, researcher_demo downloads an export whose tables
have rows, the admin approves a clinician application. The home page, a thread, the
metformin report and the type 2 diabetes condition page are photographed at 1280 and 390 px.
"""

from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DEFAULT_TIMEOUT_MS,
    REPO_ROOT,
    SECRET_KEY,
    LiveServer,
    _free_port,
    _is_noise,
    _kindred,
    _stop,
    _tail,
    _wait_healthy,
)
from tests.browser.journeys import tidy_screenshots

DEMO_PASSWORD = "kindred demo walk 2026"
WIDTHS = (1280, 390)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server on a database built exactly as `make run` builds it (default demo)."""
    root = tmp_path_factory.mktemp("demo")
    var_dir = root / "var"
    database_url = f"sqlite+aiosqlite:///{root / 'kindred.db'}"
    log = root / "server.log"
    url = f"http://127.0.0.1:{_free_port()}"
    env = {**os.environ, "KINDRED_DATABASE_URL": database_url, "KINDRED_VAR_DIR": str(var_dir),
           "KINDRED_SECRET_KEY": SECRET_KEY, "KINDRED_ENV": "development",
           "KINDRED_BASE_URL": url, "KINDRED_ANONYMOUS_REQUESTS_PER_MINUTE": "100000",
           "KINDRED_VIEWS_PER_WINDOW": "100000"}
    env.pop("KINDRED_REDIS_URL", None)
    with log.open("a") as out:
        for args in (("db", "upgrade"), ("demo", "--if-empty")):
            result = subprocess.run(_kindred(*args), env=env, cwd=REPO_ROOT, stdout=out,
                                    stderr=subprocess.STDOUT, timeout=600, check=False)
            if result.returncode != 0:
                pytest.fail(f"`kindred {' '.join(args)}` failed:\n{_tail(log)}", pytrace=False)
    with log.open("ab") as out:
        process = subprocess.Popen(
            _kindred("serve", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]),
            env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        _wait_healthy(url, process, log)
        yield LiveServer(url, var_dir, database_url)
    finally:
        _stop(process)


@pytest.fixture
def demo_page(browser: Any, demo_server: LiveServer) -> Iterator[Page]:
    """A fresh context on the demo server; console errors and CSP reports fail the test."""
    context = browser.new_context(base_url=demo_server.url, locale="en-GB",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console error on {page.url}: {m.text}")
            if m.type == "error" and not _is_noise(m) else None)
    page.on("pageerror", lambda e: problems.append(f"uncaught exception on {page.url}: {e}"))
    yield page
    context.close()
    assert not problems, problems


def _db(server: LiveServer) -> sqlite3.Connection:
    return sqlite3.connect(server.database_url.split("///", 1)[1])


def sign_in(page: Page, username: str) -> None:
    """From the home page, through the header's "Sign in" link."""
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in").click()
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")
           .get_by_role("link", name=username, exact=True)).to_be_visible()


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def staff_nav(page: Page, name: str) -> None:
    """Staff pages sit under the header's one "Staff" menu."""
    menu = page.get_by_role("navigation", name="Main").locator("details.staff-menu")
    menu.locator("summary").click()
    menu.get_by_role("link", name=re.compile(f"^{re.escape(name)}")).click()


def test_a_demo_patient_records_an_evaluation(demo_page: Page, demo_server: LiveServer) -> None:
    with _db(demo_server) as db:
        (username,) = db.execute(
            "SELECT u.username FROM user_account u JOIN treatment_course c ON c.user_id = u.id "
            "WHERE u.locale != 'ru' ORDER BY u.id LIMIT 1").fetchone()
    page = demo_page
    sign_in(page, username)
    nav(page, "My treatments")
    page.get_by_role("main").get_by_role("table").get_by_role("link").first.click()
    page.get_by_role("link", name="Evaluate this treatment").click()
    page.get_by_role("group", name=re.compile("^Effectiveness for")).first \
        .get_by_label("Moderate").check()
    page.get_by_role("group", name="Side effects").get_by_label("None").check()
    page.get_by_role("group", name=re.compile("^Adherence")) \
        .get_by_label("Always taken as prescribed").check()
    page.get_by_role("group", name=re.compile("^Burden")) \
        .get_by_label("Not at all hard to take").check()
    page.get_by_role("group", name="Monthly cost to you").get_by_label("Under $25 a month").check()
    page.get_by_role("group", name="Who can read this evaluation?") \
        .get_by_label("Signed-in members").check()
    page.get_by_role("button", name="Save evaluation").click()
    expect(page).to_have_url(re.compile(r"/my/treatments/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("your evaluation was saved")


def test_dr_demo_writes_and_submits_an_article(demo_page: Page) -> None:
    page = demo_page
    sign_in(page, "dr_demo")
    nav(page, "Education")
    expect(page.get_by_role("main")).to_contain_text("Metformin: what it does")
    page.get_by_role("link", name="Write an article").click()
    page.get_by_label("Title").fill("Staying active with a long-term condition")
    page.get_by_label("Article (Markdown)").fill(
        "Regular, gentle activity helps many people with long-term conditions: it supports "
        "mood, sleep and stamina.\n\nStart small and build up slowly.")
    page.get_by_label("References, one per line").fill(
        "World Health Organization. Guidelines on physical activity and sedentary behaviour, "
        "2020.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("Submitted for review.")


def test_moderator_decides_the_top_crisis_item(demo_page: Page) -> None:
    page = demo_page
    sign_in(page, "moderator")
    staff_nav(page, "Moderation queue")
    rows = page.locator("#queue-items tbody tr")
    expect(rows.first).to_have_class(re.compile(r"reason-urgent"))
    reasons = " ".join(rows.evaluate_all("rs => rs.map(r => r.className)"))
    for reason in ("advice_request", "identifying", "clinician_advice", "promotion"):
        assert f"reason-{reason}" in reasons, reasons
    rows.first.get_by_role("link", name="Review").click()
    expect(page.get_by_role("main")).to_contain_text("end my life")
    page.get_by_label("Note (kept in the history)").fill(
        "Reached out to the member with crisis lines; the post stays hidden.")
    page.get_by_role("button", name="Reject", exact=True).click()
    # The decision is confirmed on the next item of the queue.
    expect(page).to_have_url(re.compile(r"/moderation(/items/\d+)?$"))
    expect(page.locator(".flash-region")).to_contain_text("Rejected: it stays hidden.")


def test_researcher_downloads_an_export_with_rows(demo_page: Page, tmp_path: Path) -> None:
    page = demo_page
    sign_in(page, "researcher_demo")
    nav(page, "Research")
    page.get_by_role("link", name=re.compile("^Patient-reported outcomes")).click()
    page.get_by_role("main").get_by_role("table").get_by_role("link").first.click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the archive").click()
    target = tmp_path / "export.zip"
    info.value.save_as(target)
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                lines = archive.read(name).decode().splitlines()
                assert len(lines) > 1, f"{name} has no rows"


def test_admin_approves_a_clinician_application(demo_page: Page) -> None:
    page = demo_page
    sign_in(page, "admin")
    staff_nav(page, "Clinician applications")
    card = page.locator("article, li, section").filter(
        has=page.get_by_role("heading", name=re.compile("Samuel Okafor"))).first
    card.get_by_role("button", name="Licence verified: approve").click()
    expect(page.get_by_role("heading", name=re.compile("Samuel Okafor"))).to_have_count(0)


def test_demo_pages_photographed_and_the_metformin_report_is_full(
    demo_page: Page, screenshot: Callable[[Page, str], Path],
) -> None:
    page = demo_page
    shoot = tidy_screenshots(screenshot)
    pictures: list[tuple[str, str]] = []

    def both(name: str) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            shoot(page, f"{name}-{width}")
        page.set_viewport_size({"width": 1280, "height": 900})
        pictures.append((name, page.url))

    sign_in(page, "dr_review")
    page.get_by_role("link", name="Kindred", exact=True).first.click()
    both("home")
    nav(page, "Communities")
    page.get_by_role("link", name="Type 2 diabetes").first.click()
    community = page.url
    page.locator("main a[href^='/threads/']").first.click()
    expect(page.locator("article.post").first).to_be_visible()
    both("thread")
    page.go_back()
    expect(page).to_have_url(community)
    page.get_by_role("link", name="Metformin").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Metformin")
    cells = page.locator("main table td").all_inner_texts()
    assert cells and not [c for c in cells if "fewer than" in c], cells
    both("metformin-report")
    page.go_back()
    expect(page).to_have_url(community)
    page.get_by_role("link", name="Full condition report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Type 2 diabetes")
    both("type-2-diabetes")
    assert len(pictures) == 4
    # The same four pages in Russian, chosen with the footer's switch.
    page.get_by_role("button", name="Русский").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    for name, url in pictures:
        page.goto(url)
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.get_by_role("navigation", name="Основное меню")
               .get_by_role("link", name="Сообщества", exact=True).first).to_be_attached()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            shoot(page, f"{name}-ru-{width}")
        page.set_viewport_size({"width": 1280, "height": 900})
