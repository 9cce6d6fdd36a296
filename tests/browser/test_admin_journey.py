"""An administrator in a real browser: approves a clinician and a researcher, makes a
moderator, and reads the tamper-evident audit log recording all three."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.staff import (
    apply_as_clinician,
    apply_for_research,
    create_admin,
    grant_role,
    register_person,
    sign_in,
)

pytestmark = pytest.mark.browser


def _audit_row(page: Page, action: str, detail: str) -> Any:
    return page.locator("#audit-entries tr").filter(
        has=page.locator("code", has_text=re.compile(rf"^{re.escape(action)}$"))
    ).filter(has_text=detail)


def test_admin_approves_people_grants_moderator_and_reads_the_audit_log(
    page: Page, live_server: LiveServer, screenshot: Callable[[Page, str], Path],
    check_accessibility: Callable[[Page], list[dict[str, Any]]],
) -> None:
    admin = create_admin(live_server)
    clinician = register_person(live_server, "clinician")
    real_name = f"Dr Mary {clinician.split('_')[1]}"
    apply_as_clinician(live_server, clinician, real_name)
    researcher = register_person(live_server, "researcher")
    project = f"Treatment journeys {researcher.split('_')[1]}"
    apply_for_research(live_server, researcher, project)
    helper = register_person(live_server, "helper")

    sign_in(page, admin)
    screenshot(page, "admin-signed-in")

    # A clinician application: the licence is checked, then approved.
    page.goto("/moderation/clinicians")
    expect(page.get_by_role("heading", name="Clinician applications")).to_be_visible()
    card = page.locator("article.card").filter(
        has=page.get_by_role("heading", name=re.compile(re.escape(real_name))))
    expect(card).to_contain_text("GMC 7654321")
    screenshot(page, "clinician-applications")
    check_accessibility(page)
    card.get_by_role("button", name="Licence verified: approve").click()
    expect(page).to_have_url(re.compile(r"/moderation/clinicians$"))
    expect(page.get_by_role("heading", name=re.compile(re.escape(real_name)))).to_have_count(0)
    page.goto("/moderation/clinicians?status=approved")
    expect(page.get_by_role("heading", name=re.compile(re.escape(real_name)))).to_be_visible()
    screenshot(page, "clinician-approved")

    # A research application: approved with the default privacy budget.
    page.goto("/admin/research")
    expect(page.get_by_role("heading", name="Research applications")).to_be_visible()
    application = page.locator("article.card").filter(
        has=page.get_by_role("heading", name=project))
    expect(application).to_contain_text("REC 24/EX/0001")
    screenshot(page, "research-applications")
    check_accessibility(page)
    application.get_by_role("button", name="Approve").click()
    expect(page).to_have_url(re.compile(r"/admin/research$"))
    expect(page.locator("article.card").filter(has_text=project)).to_have_count(0)
    decided = page.get_by_role("listitem").filter(has_text=project)
    expect(decided).to_contain_text("approved")
    screenshot(page, "research-approved")

    # A moderator, from /admin/users.
    page.goto("/admin/users")
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    check_accessibility(page)
    grant_role(page, helper, "moderator")
    row = page.get_by_role("row").filter(has_text=helper)
    expect(row.get_by_text("moderator", exact=True)).to_be_visible()
    screenshot(page, "moderator-granted")
    page.goto(f"/admin/users?q={clinician}")
    expect(page.get_by_role("row").filter(has_text=clinician).get_by_text(
        "clinician", exact=True)).to_be_visible()
    page.goto(f"/admin/users?q={researcher}")
    expect(page.get_by_role("row").filter(has_text=researcher).get_by_text(
        "researcher", exact=True)).to_be_visible()

    # The audit log: the three decisions, and a verified chain.
    page.get_by_role("link", name="Audit log").click()
    expect(page).to_have_url(re.compile(r"/admin/audit$"))
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"The chain of \d+ entries is intact\."))
    expect(_audit_row(page, "clinician.approved", "application_id")).not_to_have_count(0)
    expect(_audit_row(page, "role.granted", '"role": "clinician"')).not_to_have_count(0)
    expect(_audit_row(page, "research.project_approved", "")).not_to_have_count(0)
    expect(_audit_row(page, "role.granted", '"role": "researcher"')).not_to_have_count(0)
    expect(_audit_row(page, "role.granted", '"role": "moderator"')).not_to_have_count(0)
    screenshot(page, "audit-log")
    check_accessibility(page)
