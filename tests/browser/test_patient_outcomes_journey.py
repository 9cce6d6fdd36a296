"""A patient records outcomes in a real browser (the outcomes issue).

She adds a treatment with its purpose (picked through the htmx autocomplete), evaluates it
with every structured field, changes the dose, stops it with a reason, records a symptom,
checks in, answers the PHQ-9 and sees its band, finds all of it on her charts, and sees
the treatment's public report count her evaluation straight away.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journeys import (
    header,
    join_community,
    register_and_sign_in,
    tidy_screenshots,
    unique_name,
)

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]
Axe = Callable[[Page], list[dict[str, Any]]]

# A migraine preventive few other journeys would pick, so its report starts empty.
TREATMENT, SLUG = "Rimegepant", "rimegepant"
PURPOSE = "Migraine"
SIDE_EFFECT = "Flushing"
# PHQ-9 answers: "Several days" (1 point) to the first six questions, "Not at all" to the
# rest, so 6 points: mild depression. Question 9 stays at 0 (it would show crisis help).
PHQ9_SCORE, PHQ9_BAND = "6", "Mild depression"


def _pick_from_autocomplete(page: Page, label: str, typed: str, name: str,
                            datalist: str) -> None:
    """Type the start of a term, wait for htmx to offer it in the datalist, then take it."""
    field = page.get_by_label(label, exact=True)
    with page.expect_response(lambda r: "/catalog/autocomplete" in r.url
                              and r.request.headers.get("hx-request") == "true"):
        field.press_sequentially(typed, delay=30)
    expect(page.locator(f"#{datalist} option[value='{name}']")).to_have_count(1)
    field.fill(name)


def _report_counts(page: Page) -> dict[str, str]:
    page.goto(f"/treatments/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TREATMENT)
    return {key: page.locator(f"#{key}").inner_text().strip()
            for key in ("current-patients", "former-patients", "evaluation-count")}


def test_patient_tracks_a_treatment_symptoms_and_questionnaires(
    page: Page, screenshot: Shot, check_accessibility: Axe,
) -> None:
    screenshot = tidy_screenshots(screenshot)
    patient = unique_name("pia")
    today = date.today()
    started = today - timedelta(days=60)
    new_dose_from = today - timedelta(days=20)

    register_and_sign_in(page, patient)
    join_community(page, "migraine")
    before = _report_counts(page)
    assert before["evaluation-count"] == "0", (
        f"{TREATMENT} already has evaluations: pick a treatment no other journey uses")
    screenshot(page, "report-before")
    check_accessibility(page)

    # Add the treatment with its purpose, through the autocomplete.
    header(page).get_by_role("link", name="My treatments").click()
    expect(page).to_have_url(re.compile(r"/my/treatments$"))
    check_accessibility(page)
    page.goto("/my/treatments/new")
    expect(page.get_by_role("heading", name="Add a treatment")).to_be_visible()
    _pick_from_autocomplete(page, "Treatment", "Rimeg", TREATMENT, "treatment-options")
    _pick_from_autocomplete(page, "What you take it for", "Migr", PURPOSE, "purpose-options")
    page.get_by_label("Started on").fill(started.isoformat())
    page.get_by_label("Dose", exact=True).fill("75")
    page.get_by_label("Unit").select_option(label="mg")
    page.get_by_label("How often").select_option(label="every other day")
    screenshot(page, "add-treatment")
    check_accessibility(page)
    page.get_by_role("button", name="Add treatment").click()
    expect(page).to_have_url(re.compile(r"/my/treatments/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("The treatment was added.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TREATMENT)
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text(PURPOSE)
    expect(facts).to_contain_text("75 mg, every other day")
    course_url = page.url.split("?")[0]
    screenshot(page, "treatment-added")
    check_accessibility(page)

    # Evaluate it: every structured field.
    page.get_by_role("link", name="Evaluate this treatment").click()
    expect(page.get_by_role("heading", name=f"How is {TREATMENT} working for you?")) \
        .to_be_visible()
    page.get_by_role("group", name=f"Effectiveness for {PURPOSE}").get_by_label("Moderate") \
        .check()
    page.get_by_role("group", name="Side effects").get_by_label("Mild").check()
    _pick_from_autocomplete(page, "Which side effects?", "Flush", SIDE_EFFECT,
                            "side_effect-options")
    page.get_by_role("group", name=re.compile("^Adherence")) \
        .get_by_label("Usually taken as prescribed").check()
    page.get_by_role("group", name=re.compile("^Burden")) \
        .get_by_label("A little hard to take").check()
    page.get_by_role("group", name="Monthly cost to you").get_by_label("$50–99 a month").check()
    page.get_by_label("Advice and tips for others (optional)").fill(
        "Taking it at the same time every other evening made the attacks rarer for me.")
    page.get_by_role("group", name="Who can read this evaluation?") \
        .get_by_label("Signed-in members").check()
    screenshot(page, "evaluation-form")
    check_accessibility(page)
    page.get_by_role("button", name="Save evaluation").click()
    expect(page).to_have_url(re.compile(r"/my/treatments/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("your evaluation was saved")
    evaluation = page.locator("article.card[id^=evaluation-]")
    expect(evaluation).to_have_count(1)
    for text in (f"Effectiveness for {PURPOSE}", "Moderate", f"Mild: {SIDE_EFFECT}",
                 "Usually taken as prescribed", "A little hard to take", "$50–99 a month",
                 "Taking it at the same time", "Signed-in members"):
        expect(evaluation).to_contain_text(text)
    screenshot(page, "evaluated")

    # The report counts it at once (small counts read "fewer than 5").
    after = _report_counts(page)
    assert after["evaluation-count"] == "fewer than 5", after
    assert after["current-patients"] == "fewer than 5", after
    shared = page.locator("article.evaluation").filter(has_text=patient)
    expect(shared).to_contain_text("Moderate")
    expect(page.get_by_role("figure", name="Purposes")).to_contain_text(PURPOSE)
    screenshot(page, "report-after-evaluation")
    check_accessibility(page)

    # Change the dose.
    page.goto(course_url)
    dose_form = page.locator("form[action$='/dose']")
    dose_form.get_by_label("New dose from").fill(new_dose_from.isoformat())
    dose_form.get_by_label("Dose", exact=True).fill("75")
    dose_form.get_by_label("Unit").select_option(label="mg")
    dose_form.get_by_label("How often").select_option(label="once a day")
    dose_form.get_by_role("button", name="Save new dose").click()
    expect(page.get_by_role("status")).to_have_text("The new dose was saved.")
    expect(page.locator("dl.facts").first).to_contain_text("75 mg, once a day")
    history = page.locator("h2:has-text('Dose history') + ul li")
    expect(history).to_have_count(2)
    expect(history.nth(1)).to_contain_text(f"From {new_dose_from.isoformat()}")

    # Stop it, with a reason.
    stop_form = page.locator("form[action$='/stop']")
    stop_form.get_by_label("Stopped on").fill(today.isoformat())
    stop_form.get_by_label("Main reason for stopping").select_option(label="Side effects")
    screenshot(page, "dose-changed-stopping")
    stop_form.get_by_role("button", name="Stop treatment").click()
    expect(page.get_by_role("status")).to_have_text("The treatment was marked as stopped.")
    expect(page.locator("dl.facts").first).to_contain_text(f"{today.isoformat()} — Side effects")
    expect(page.get_by_role("heading", name="Stop this treatment")).to_have_count(0)
    screenshot(page, "treatment-stopped")
    check_accessibility(page)

    stopped = _report_counts(page)
    assert stopped["former-patients"] == "fewer than 5", stopped
    assert stopped["current-patients"] == before["current-patients"], stopped
    expect(page.get_by_role("figure", name="Reasons for stopping")).to_contain_text("Side effects")

    # Record a symptom.
    page.goto("/my/symptoms")
    expect(page.get_by_role("heading", name="Your symptoms")).to_be_visible()
    page.get_by_label("Symptom", exact=True).select_option(label="Headache")
    page.get_by_role("group", name="How severe").get_by_label("Moderate").check()
    page.get_by_label("Related to (optional)").select_option(label=PURPOSE)
    screenshot(page, "symptom-form")
    check_accessibility(page)
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_have_text("Your symptom was recorded.")
    row = page.get_by_role("row").filter(has_text="Headache")
    expect(row).to_contain_text("Moderate")
    expect(row).to_contain_text(PURPOSE)

    # Check in.
    page.get_by_role("navigation", name="Your tracking").get_by_role("link", name="Check-in") \
        .click()
    expect(page.get_by_role("heading", name="How are you today?")).to_be_visible()
    page.get_by_label("4 · Good").check()
    page.get_by_label("Note (optional, only you see it)").fill("Slept well, no aura today.")
    check_accessibility(page)
    page.get_by_role("button", name="Save check-in").click()
    expect(page.get_by_role("status")).to_have_text("Your check-in was saved.")
    expect(page.get_by_role("row").filter(has_text=today.isoformat())).to_contain_text("Good")
    screenshot(page, "checked-in")

    # Answer the PHQ-9 and see the band.
    page.goto("/my/questionnaires")
    check_accessibility(page)
    page.get_by_role("link", name=re.compile("PHQ-9")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
    for number in range(1, 10):
        answer = "Several days" if number <= 6 else "Not at all"
        page.locator(f"fieldset#phq9-{number}").get_by_label(answer, exact=True).check()
    page.locator("fieldset#phq9-difficulty").get_by_label("Somewhat difficult").check()
    screenshot(page, "phq9-form")
    check_accessibility(page)
    page.get_by_role("button", name="See my score").click()
    expect(page).to_have_url(re.compile(r"/my/questionnaires/responses/\d+$"))
    expect(page.locator("strong.score")).to_have_text(PHQ9_SCORE)
    expect(page.locator("strong.band")).to_have_text(PHQ9_BAND)
    expect(page.locator("tr[aria-current=true]")).to_contain_text(PHQ9_BAND)
    expect(page.get_by_role("alert")).to_have_count(0)  # no crisis panel for this score
    screenshot(page, "phq9-result")
    check_accessibility(page)

    # All of it on the charts.
    page.get_by_role("link", name="See it on your charts").click()
    expect(page.get_by_role("heading", name="My charts")).to_be_visible()
    for key, title in (("treatments", "Treatments"), ("check-ins", "How you felt"),
                       ("questionnaire-phq-9", "PHQ-9")):
        block = page.locator(f"figure#{key}")
        expect(block.get_by_role("heading", level=2)).to_contain_text(title)
        expect(block.locator("svg.chart")).to_have_count(1)
    symptom = page.locator("figure[id^=symptom-]").filter(has_text="Symptom: Headache")
    expect(symptom.locator("svg.chart")).to_have_count(1)
    treatments = page.locator("figure#treatments")
    expect(treatments.locator("svg rect.course")).not_to_have_count(0)
    expect(treatments.locator("table")).to_contain_text(TREATMENT)
    expect(treatments.locator("table")).to_contain_text(today.isoformat())
    expect(page.locator("figure#questionnaire-phq-9 table")).to_contain_text(PHQ9_BAND)
    screenshot(page, "charts")
    check_accessibility(page)

    # The period links swap the charts in place (htmx) and keep the SVGs.
    page.evaluate("window.__samePage = true")
    page.get_by_role("link", name="Last 30 days").click()
    expect(page).to_have_url(re.compile(r"/my/charts\?days=30$"))
    expect(page.get_by_role("link", name="Last 30 days")).to_have_attribute("aria-current", "page")
    expect(page.locator("figure#treatments svg.chart")).to_have_count(1)
    assert page.evaluate("window.__samePage") is True, "the period link reloaded the page"

    # The doses on the chart read like the course page ("75 mg, once a day"), not as codes.
    doses = page.locator("figure#treatments table tbody tr").filter(has_text=TREATMENT)
    expect(doses).to_contain_text(re.compile(r"75 mg,? every other day"))
    expect(doses).to_contain_text(re.compile(r"75 mg,? once a day"))
