"""How long people stay on a treatment: the drawn curve on the report, its table, masking,
the day it is counted to, and the narrowed report saying why it has none."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from community.accounts.models import User
from outcomes.catalog.models import Treatment
from outcomes.reports import survival
from outcomes.reports.summaries import rebuild_summaries
from outcomes.treatments.models import TreatmentCourse
from tests.helpers import Visitor
from tests.integration.test_narrowed_reports import populate
from tests.integration.test_treatments import load_vocabularies

TODAY = date(2026, 6, 1)


def seed_courses(visitor: Visitor, slug: str, courses: list[tuple[int, int | None]]) -> None:
    """One person per (days ago it started, days it lasted or None while still on it)."""
    async def _seed(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            treatment_id = await db.scalar(select(Treatment.id).where(Treatment.slug == slug))
            for index, (ago, lasted) in enumerate(courses):
                name = f"{slug}-course-{index}"
                user_id = (await db.execute(insert(User).returning(User.id), [{
                    "username": name, "username_key": name, "email": f"{name}@example.org",
                    "password_hash": "!"}])).scalar_one()
                started = TODAY - timedelta(days=ago)
                await db.execute(insert(TreatmentCourse), [{
                    "user_id": user_id, "treatment_id": treatment_id, "started_on": started,
                    "stopped_on": None if lasted is None else started + timedelta(days=lasted),
                    "stop_reason": None if lasted is None else "side_effects"}])
            await rebuild_summaries(db)
            await db.commit()

    visitor.run(_seed)


def figure(page: str, key: str = "time-on") -> str:
    return page.split(f'id="{key}"')[1].split("</figure>")[0]


def table_rows(part: str) -> list[tuple[str, ...]]:
    return re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td><td>([^<]+)</td>'
                      r"<td>([^<]+)</td></tr>", part)


def test_time_on_treatment_drawn_masked_and_counted_to_today(
        visitor: Visitor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(survival, "today", lambda: TODAY)
    load_vocabularies(visitor)
    # 10 stopped after 40 days, 10 after 100, 20 still on it after 400 days.
    seed_courses(visitor, "empagliflozin",
                 [(600, 40)] * 10 + [(600, 100)] * 10 + [(400, None)] * 20)
    # 12 people: 8 stops, 4 still on it; every step would leave 1 to 4 of something.
    seed_courses(visitor, "sitagliptin", [(300, 50)] * 6 + [(300, 70)] * 2 + [(200, None)] * 4)

    page = visitor.get("/treatments/empagliflozin").text
    curve = figure(page)
    assert '<svg class="chart curve"' in curve and "<path" in curve
    assert table_rows(curve) == [
        ("0–40", "40", "10", "75 %"),
        ("41–100", "30", "10", "50 %"),
        ("101–400", "20", "0", "50 %"),
    ]
    assert "Half or more had stopped within 3 months." in curve
    # It sits with the other figures about stopping, after the durations chart.
    stopping = page.split(">Stopping</h2>")[1]
    assert stopping.index('id="durations"') < stopping.index('id="time-on"') < stopping.index(
        'id="stop-reasons"')

    small = figure(visitor.get("/treatments/sitagliptin").text)
    assert "<svg" not in small and "Too few people have taken it" in small
    assert not re.search(r"\b[1-4]\b", small.split("</h3>")[1])

    # A month later the people still on it have been on it a month longer: a new day is a
    # new curve even though no one wrote anything.
    monkeypatch.setattr(survival, "today", lambda: TODAY + timedelta(days=30))
    later = table_rows(figure(visitor.get("/treatments/empagliflozin").text))
    assert later[-1] == ("101–430", "20", "0", "50 %")


def test_a_narrowed_report_says_why_it_has_no_curve(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    populate(visitor, patients=160)
    whole = visitor.get("/treatments/metformin").text
    assert '<svg class="chart curve"' in figure(whole)
    narrowed = visitor.get("/treatments/metformin?sex=female").text
    note = figure(narrowed, "narrowed-time-on")
    assert "Drawn for everyone only" in note and "<svg" not in note
    assert 'id="time-on"' not in narrowed
