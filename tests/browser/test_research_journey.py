"""Research in a real browser: consent, a researcher's project, an export built in the
background while its progress bar polls, the archive, and a withdrawal taking effect.

Counts under 11 are suppressed, so a dozen consenting patients with type 2 diabetes are made
over HTTP first; the patient whose journey this is joins them in the browser. The research
snapshot rule: exports read the newest data snapshot (at most 24 hours old), so a withdrawal
counts from the next snapshot on; the journey takes snapshots with `kindred research
snapshot` against the live database, as the daily job would.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.staff import (
    HttpPerson,
    browser_page,
    consenting_patient,
    create_admin,
    kindred_cli,
    register_person,
    sign_in,
    unique,
)

pytestmark = pytest.mark.browser

COMMUNITY = "type-2-diabetes"
OTHER_PATIENTS = 12


def _build_export(page: Page, project_path: str, screenshot: Callable[[Page, str], Path],
                  name: str) -> str:
    """Ask for the patients table of type 2 diabetes; returns the export page's path."""
    page.goto(project_path)
    page.get_by_role("checkbox", name=re.compile(r"^Patients by condition")).check()
    page.get_by_label("Conditions", exact=True).select_option(COMMUNITY)
    page.get_by_role("button", name="Build the export").click()
    expect(page).to_have_url(re.compile(r"/research/exports/\d+$"))
    progress = page.locator("#export-progress")
    # The progress bar (htmx polls every second) is replaced by the link when the job is done.
    if progress.get_by_role("progressbar").count():
        screenshot(page, f"{name}-progress")
    expect(progress.get_by_role("link", name="Download the archive")).to_be_visible(
        timeout=60_000)
    return "/" + page.url.split("://", 1)[1].split("/", 1)[1]


def _download(page: Page, tmp_path: Path, name: str) -> zipfile.ZipFile:
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the archive").click()
    target = tmp_path / f"{name}.zip"
    info.value.save_as(target)
    assert zipfile.is_zipfile(target)
    return zipfile.ZipFile(target)


def _patients_total(archive: zipfile.ZipFile) -> tuple[int | None, str]:
    """The number of patients with type 2 diabetes in the archive's patients table (None when
    suppressed), and the CSV for messages."""
    manifest = json.loads(archive.read("manifest.json"))
    marker = manifest.get("total_marker", "all")
    text = archive.read("patients.csv").decode()
    for row in csv.DictReader(io.StringIO(text)):
        others = [row[d] for d in ("age_band", "sex", "country")]
        if row["condition"] == COMMUNITY and all(value == marker for value in others):
            return (int(row["patients"]) if row["patients"] else None), text
    raise AssertionError(f"no total for {COMMUNITY} in patients.csv:\n{text}")


def test_consent_export_download_withdraw_and_the_next_snapshot(
    page: Page, browser: Browser, live_server: LiveServer, browser_problems: list[str],
    tmp_path: Path, screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], list[dict[str, Any]]],
) -> None:
    admin = create_admin(live_server)
    researcher = register_person(live_server, "researcher")
    for _ in range(OTHER_PATIENTS):
        consenting_patient(live_server, COMMUNITY)
    # The journey's patient lists the condition over HTTP and consents in the browser.
    patient = unique("patient")
    person = HttpPerson(live_server, patient).register().login()
    person.join(COMMUNITY)
    person.list_condition(COMMUNITY)
    person.close()

    sign_in(page, patient)
    page.goto("/account/privacy")
    expect(page.get_by_role("heading", name="Privacy and research")).to_be_visible()
    expect(page.locator("#consent-status")).to_contain_text("You do not take part")
    screenshot(page, "privacy-before-consent")
    check_accessibility(page)
    page.get_by_role("button", name=re.compile(r"^I agree to research use")).click()
    expect(page).to_have_url(re.compile(r"/account/privacy$"))
    expect(page.get_by_role("status")).to_contain_text("Your reports now count in research")
    expect(page.locator("#consent-status")).to_contain_text("You take part")
    expect(page.get_by_role("table")).to_contain_text("granted")
    screenshot(page, "consented")
    check_accessibility(page)

    # The daily snapshot, taken now: everyone above is in it.
    assert "snapshot" in kindred_cli(live_server, "research", "snapshot")

    with browser_page(browser, live_server, browser_problems) as res_page, \
            browser_page(browser, live_server, browser_problems) as admin_page:
        # The researcher applies ...
        sign_in(res_page, researcher)
        res_page.goto("/research/apply")
        expect(res_page.get_by_role("heading", name="Apply for a research project")
               ).to_be_visible()
        project = f"Metformin outcomes {researcher.split('_')[1]}"
        res_page.get_by_label("Your full name").fill("Dr Rosalind Example")
        res_page.get_by_label("Institution").fill("Example University")
        res_page.get_by_label("Project title").fill(project)
        res_page.get_by_label("Purpose of the research").fill(
            "How people with type 2 diabetes report their treatments over time.")
        res_page.get_by_label("Ethics approval or protocol number").fill("REC 24/EX/0001")
        res_page.get_by_role("checkbox", name=re.compile(r"^Patients by condition")).check()
        res_page.get_by_label("I accept this data-use agreement").check()
        screenshot(res_page, "research-apply")
        check_accessibility(res_page)
        res_page.get_by_role("button", name="Send the application").click()
        expect(res_page).to_have_url(re.compile(r"/research$"))
        expect(res_page.get_by_role("status")).to_contain_text("Your application was sent.")
        expect(res_page.get_by_role("main")).to_contain_text(project)

        # ... the administrator approves ...
        sign_in(admin_page, admin)
        admin_page.goto("/admin/research")
        card = admin_page.locator("article.card").filter(
            has=admin_page.get_by_role("heading", name=project))
        expect(card).to_contain_text("REC 24/EX/0001")
        screenshot(admin_page, "admin-research")
        check_accessibility(admin_page)
        card.get_by_role("button", name="Approve").click()
        expect(admin_page.get_by_role("listitem").filter(has_text=project)
               ).to_contain_text("approved")

        # ... and the researcher (signed in again: a new role rotates the session) exports.
        res_page.goto("/research")
        if "/login" in res_page.url or not res_page.get_by_role("link", name=project).count():
            sign_in(res_page, researcher)
            res_page.goto("/research")
        res_page.get_by_role("link", name=project).click()
        expect(res_page.get_by_role("heading", name=project)).to_be_visible()
        project_path = res_page.url.split(live_server.url, 1)[1]
        screenshot(res_page, "project")
        check_accessibility(res_page)

        first = _build_export(res_page, project_path, screenshot, "first-export")
        screenshot(res_page, "first-export-ready")
        check_accessibility(res_page)
        archive = _download(res_page, tmp_path, "first")
        names = archive.namelist()
        assert "manifest.json" in names and "patients.csv" in names, names
        manifest = json.loads(archive.read("manifest.json"))
        before, first_csv = _patients_total(archive)
        assert before is not None and before >= OTHER_PATIENTS + 1, first_csv

        # The patient withdraws.
        page.goto("/account/privacy")
        page.get_by_role("button", name="Withdraw my research consent").click()
        expect(page).to_have_url(re.compile(r"/account/privacy$"))
        expect(page.locator("#consent-status")).to_contain_text("You do not take part")
        expect(page.get_by_role("status")).to_contain_text("Every data snapshot from now on")
        screenshot(page, "withdrawn")
        check_accessibility(page)
        page.reload()
        expect(page.locator(".flash-region")).to_have_count(0)

        # Until the next snapshot the same request is the same export, from the same data.
        again = _build_export(res_page, project_path, screenshot, "same-snapshot")
        assert again == first, (again, first)

        # The next snapshot leaves the patient out.
        assert "snapshot" in kindred_cli(live_server, "research", "snapshot")
        second = _build_export(res_page, project_path, screenshot, "second-export")
        assert second != first
        screenshot(res_page, "second-export-ready")
        archive = _download(res_page, tmp_path, "second")
        after, second_csv = _patients_total(archive)
        second_manifest = json.loads(archive.read("manifest.json"))
        assert second_manifest.get("snapshot_at") != manifest.get("snapshot_at"), (
            second_manifest, manifest)
        assert after is not None, second_csv
        assert after == before - 1, (before, after, first_csv, second_csv)
