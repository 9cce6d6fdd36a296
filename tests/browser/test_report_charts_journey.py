"""Treatment reports people would rather look at than read (issue 16), in a real browser.

A visitor reads the metformin report drawn as charts (with how long people stay on it, a
curve shot on its own too), compares three type 2 diabetes treatments from the condition
page, and narrows the metformin report to people like them; at 1280 and 390 px, with axe,
and every chart with its data table. The data is this
test's own population, written straight into the live server's database.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from community.db import make_engine
from tests.browser.conftest import LiveServer
from tests.report_population import seed_population

pytestmark = pytest.mark.browser

Shot = Callable[[Page, str], Path]
Axe = Callable[[Page], list[dict[str, Any]]]
T2D = {"metformin": 6.0, "semaglutide": 3.0, "empagliflozin": 2.0, "sitagliptin": 1.0}


def _populate(live_server: LiveServer) -> None:
    async def work() -> None:
        engine = make_engine(live_server.database_url, pool=False)
        try:
            from sqlalchemy.ext.asyncio import async_sessionmaker

            async with async_sessionmaker(engine, expire_on_commit=False)() as db:
                await seed_population(db, patients=500, seed=16, treatments=T2D,
                                      conditions=("type-2-diabetes", "obesity"),
                                      prefix="charts")
                await db.commit()
        finally:
            await engine.dispose()

    # Playwright's sync API keeps an event loop in this thread: write from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work()).result()


def _every_chart_has_its_table(page: Page, scope: str) -> int:
    charts = page.locator(f"{scope} svg.chart.bars")
    count = charts.count()
    assert count > 0
    assert page.locator(f"{scope} figure:has(svg.chart.bars) table.chart-data").count() == count
    return count


def _both_widths(page: Page, screenshot: Shot, name: str) -> Path:
    """Full-page shots at 1280 and 390 px; the folder they are in."""
    page.set_viewport_size({"width": 1280, "height": 900})
    shot = screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    return shot.parent


def _curve_at_both_widths(page: Page, folder: Path) -> None:
    """The time-on-treatment figure alone, at both widths, beside the full-page shots."""
    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        figure = page.locator("#time-on")
        figure.scroll_into_view_if_needed()
        figure.screenshot(path=str(folder / f"time-on-treatment-curve-{width}.png"))
        box = figure.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    page.set_viewport_size({"width": 1280, "height": 900})


def test_reports_drawn_compared_and_narrowed(page: Page, live_server: LiveServer,
                                             screenshot: Shot,
                                             check_accessibility: Axe) -> None:
    _populate(live_server)

    page.goto("/treatments/metformin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Metformin")
    expect(page.locator("#report-summary")).to_contain_text("evaluated it for Type 2 diabetes")
    _every_chart_has_its_table(page, "#report")
    expect(page.locator("#adherence svg text.value").first).to_contain_text("%")
    curve = page.locator("#time-on")
    expect(curve.get_by_role("heading", level=3)).to_have_text("How long people stay on it")
    expect(curve.locator("svg.chart.curve path.line")).to_have_count(1)
    expect(curve.get_by_role("img")).to_have_accessible_name(re.compile("still on it|stopped"))
    assert curve.locator("table.chart-data tbody tr").count() >= 2
    expect(curve.locator("table.chart-data")).to_be_visible()
    check_accessibility(page)
    _curve_at_both_widths(page, _both_widths(page, screenshot, "metformin-report"))

    page.goto("/conditions/type-2-diabetes")
    for slug in ("metformin", "semaglutide", "empagliflozin"):
        page.locator(f"#compare-{slug}").check()
    page.get_by_role("button", name="Compare the ticked treatments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Compare treatments for Type 2 diabetes")
    assert _every_chart_has_its_table(page, "main") >= 18
    expect(page.locator(".compare-counts tbody tr")).to_have_count(3)
    check_accessibility(page)
    _both_widths(page, screenshot, "comparison-three-t2d")

    page.goto("/treatments/metformin")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Age").select_option("55-74")
    with page.expect_response(lambda r: "/treatments/metformin?" in r.url
                              and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="Show", exact=True).click()
    expect(page.locator("#narrowed-title")).to_contain_text("Female")
    expect(page.locator("#narrowed-title")).to_contain_text("55-74")
    expect(page.locator("#narrowed-time-on")).to_contain_text("Drawn for everyone only")
    assert "sex=female" in page.url
    _every_chart_has_its_table(page, "#report")
    check_accessibility(page)
    _both_widths(page, screenshot, "metformin-narrowed")


def _history(live_server: LiveServer, username: str) -> None:
    """Three months of one patient's metformin, a dose change, a second treatment, fatigue
    and check-ins, written into the live server's database."""
    from datetime import date, timedelta
    from decimal import Decimal

    from sqlalchemy import insert, select
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from community.accounts.models import User
    from outcomes.catalog.models import Symptom, Treatment
    from outcomes.tracking.models import CheckIn, SymptomEntry
    from outcomes.treatments.models import DosePeriod, TreatmentCourse

    today = date.today()

    async def work() -> None:
        engine = make_engine(live_server.database_url, pool=False)
        try:
            async with async_sessionmaker(engine)() as db, db.begin():
                user_id = await db.scalar(select(User.id).where(User.username == username))
                treatments = dict((await db.execute(select(Treatment.slug, Treatment.id).where(
                    Treatment.slug.in_(["metformin", "empagliflozin"])))).tuples().all())
                fatigue = await db.scalar(select(Symptom.id).where(Symptom.slug == "fatigue"))
                metformin = await db.scalar(insert(TreatmentCourse).returning(
                    TreatmentCourse.id).values(user_id=user_id,
                                               treatment_id=treatments["metformin"],
                                               started_on=today - timedelta(days=80)))
                await db.execute(insert(DosePeriod), [
                    {"course_id": metformin, "started_on": today - timedelta(days=80),
                     "amount": Decimal(500), "unit": "mg", "frequency": "once_daily"},
                    {"course_id": metformin, "started_on": today - timedelta(days=50),
                     "amount": Decimal(1000), "unit": "mg", "frequency": "twice_daily"}])
                second = await db.scalar(insert(TreatmentCourse).returning(
                    TreatmentCourse.id).values(user_id=user_id,
                                               treatment_id=treatments["empagliflozin"],
                                               started_on=today - timedelta(days=20)))
                await db.execute(insert(DosePeriod), [{
                    "course_id": second, "started_on": today - timedelta(days=20),
                    "amount": Decimal(10), "unit": "mg", "frequency": "once_daily"}])
                await db.execute(insert(SymptomEntry), [
                    {"user_id": user_id, "symptom_id": fatigue, "severity": severity,
                     "recorded_on": today - timedelta(days=days)}
                    for days, severity in [(85, 3), (70, 3), (55, 2), (40, 2), (25, 1), (5, 1)]])
                await db.execute(insert(CheckIn), [
                    {"user_id": user_id, "level": level, "note": "",
                     "recorded_on": today - timedelta(days=days)}
                    for days, level in [(84, 2), (63, 2), (45, 3), (30, 4), (12, 4), (2, 5)]])
        finally:
            await engine.dispose()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work()).result()


def test_a_patients_combined_timeline(page: Page, live_server: LiveServer, screenshot: Shot,
                                      check_accessibility: Axe) -> None:
    from tests.browser.journeys import register_and_sign_in, unique_name

    username = unique_name("together")
    register_and_sign_in(page, username)
    _history(live_server, username)
    page.goto("/my/charts")
    together = page.locator("#together")
    expect(together.locator("svg.chart.together")).to_have_count(1)
    expect(together.locator("table.chart-data tbody tr")).to_have_count(3)
    expect(together.locator("table.chart-data")).to_contain_text(
        "Metformin dose changed to 1000 mg twice a day")
    assert page.locator("figure.chart-block svg").count() == page.locator(
        "figure.chart-block table.chart-data").count()
    check_accessibility(page)
    _both_widths(page, screenshot, "combined-timeline")
    page.emulate_media(media="print")
    screenshot(page, "combined-timeline-print")
    expect(page.locator(".site-header")).to_be_hidden()
