"""Treatment and condition reports: small counts hidden, constant queries, symptoms."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import insert, select

from community.accounts.models import User
from community.app import create_app
from outcomes.catalog.models import Condition, SideEffect, Treatment
from outcomes.reports.summaries import rebuild_summaries
from outcomes.treatments.models import (
    CoursePurpose,
    DosePeriod,
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
)
from tests.helpers import Visitor, statements_of
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies


def seed_patients(visitor: Visitor, patients: int, *, evaluations_each: int = 1,
                  treatment_slug: str = "methotrexate", start: int = 0,
                  visibility: str = "public") -> None:
    """Bulk-insert patients who take a treatment for rheumatoid arthritis and rated it."""

    async def _seed(runtime: Any) -> None:
        from community.db import intent

        # A writer from its first statement: on SQLite a deferred transaction that reads, then
        # writes after another connection (a traffic-counter flush) committed, is refused.
        with intent(write=True):
            await _seed_in(runtime)

    async def _seed_in(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            treatment = await db.scalar(select(Treatment).where(Treatment.slug == treatment_slug))
            condition = await db.scalar(
                select(Condition).where(Condition.slug == "rheumatoid-arthritis"))
            nausea = await db.scalar(select(SideEffect).where(SideEffect.slug == "nausea"))
            for index in range(start, start + patients):
                user_id = (await db.execute(insert(User).returning(User.id), [{
                    "username": f"seeded{index}", "username_key": f"seeded{index}",
                    "email": f"seeded{index}@example.org", "password_hash": "x"}])).scalar_one()
                course_id = (await db.execute(insert(TreatmentCourse).returning(
                    TreatmentCourse.id), [{"user_id": user_id, "treatment_id": treatment.id,
                                           "started_on": date(2025, 1, 1)}])).scalar_one()
                await db.execute(insert(CoursePurpose), [{"course_id": course_id,
                                                          "condition_id": condition.id}])
                await db.execute(insert(DosePeriod), [{
                    "course_id": course_id, "started_on": date(2025, 1, 1), "amount": 15,
                    "unit": "mg", "frequency": "weekly", "as_needed": False}])
                for n in range(evaluations_each):
                    evaluation_id = (await db.execute(insert(Evaluation).returning(
                        Evaluation.id), [{
                            "course_id": course_id, "user_id": user_id,
                            "treatment_id": treatment.id,
                            "evaluated_on": date(2025, 2, 1) + timedelta(days=n),
                            "side_effect_severity": "mild", "adherence": "always",
                            "burden": "a_little", "cost": "under_25", "tip": f"tip {index}",
                            "visibility": visibility}])).scalar_one()
                    await db.execute(insert(EvaluationEffect), [{
                        "evaluation_id": evaluation_id, "purpose": f"condition:{condition.id}",
                        "condition_id": condition.id, "effectiveness": "major"}])
                    await db.execute(insert(EvaluationSideEffect), [{
                        "evaluation_id": evaluation_id, "side_effect_id": nausea.id}])
            await rebuild_summaries(db)
            await db.commit()

    visitor.run(_seed)




@pytest.fixture
def reader(visitor: Visitor) -> Visitor:
    load_vocabularies(visitor)
    return visitor


def test_reports_issue_a_constant_number_of_queries(reader: Visitor) -> None:
    seed_patients(reader, 5, evaluations_each=2)
    small = {url: len(statements_of(reader, url))
             for url in ("/treatments/methotrexate", "/conditions/rheumatoid-arthritis")}
    seed_patients(reader, 40, evaluations_each=5, start=5)
    large = {url: len(statements_of(reader, url)) for url in small}
    assert large == small
    page = reader.get("/treatments/methotrexate").text
    assert 'id="evaluation-count">210<' in page
    assert 'id="current-patients">45<' in page


def test_counts_from_one_to_four_read_fewer_than_five(reader: Visitor) -> None:
    seed_patients(reader, 4)
    page = reader.get("/treatments/methotrexate").text
    assert 'id="current-patients">fewer than 5<' in page
    assert 'id="evaluation-count">fewer than 5<' in page
    assert not re.search(r"<td>[1-4]</td>", page), "no small count is shown anywhere"
    assert 'class="bar ' not in page, "a hidden count is never drawn as a bar"
    assert re.search(r"<text class=\"hidden-count\"[^>]*>fewer than 5</text>", page)
    condition = reader.get("/conditions/rheumatoid-arthritis").text
    assert "Methotrexate" in condition and "fewer than 5" in condition
    assert "too few to say" in condition
    seed_patients(reader, 1, start=4)
    page = reader.get("/treatments/methotrexate").text
    assert 'id="current-patients">5<' in page
    assert 'class="bar ' in page
    assert "5 · 100 %" in page, "the count and its percentage are written on the chart"
    condition = reader.get("/conditions/rheumatoid-arthritis").text
    assert re.search(r"<td>5</td>", condition) and "Major" in condition


@pytest.fixture
def lenient_app(make_settings: Callable[..., Any]) -> Litestar:
    return create_app(make_settings(fewer_than=3))


def test_the_threshold_is_configurable(lenient_app: Litestar) -> None:
    with TestClient(lenient_app, base_url="http://testserver.local") as client:
        visitor = Visitor(client)
        load_vocabularies(visitor)
        seed_patients(visitor, 3)
        page = visitor.get("/treatments/methotrexate").text
        assert 'id="current-patients">3<' in page


def test_report_reflects_an_evaluation_at_once(reader: Visitor) -> None:
    reader.signup_and_login("hopeful_pine")
    course_id = add_course(reader)
    assert evaluate(reader, course_id, side_effect="Hair loss").status_code == 303
    page = reader.get("/treatments/methotrexate").text
    assert "Hair loss" in page and "Rheumatoid arthritis" in page
    assert "15 mg, once a week" in page
    condition = reader.get("/conditions/rheumatoid-arthritis").text
    assert "Methotrexate" in condition


def test_condition_page_lists_symptoms_when_tracking_has_them(reader: Visitor) -> None:
    from outcomes.tracking.models import SymptomSummary as summary

    async def _seed(runtime: Any) -> None:
        from outcomes.catalog.models import Symptom

        async with runtime.sessionmaker() as db:
            condition = await db.scalar(
                select(Condition).where(Condition.slug == "rheumatoid-arthritis"))
            fatigue = await db.scalar(select(Symptom).where(Symptom.slug == "fatigue"))
            await db.execute(insert(summary), [
                {"condition_id": condition.id, "symptom_id": fatigue.id, "severity": 2,
                 "patients": 7},
                {"condition_id": condition.id, "symptom_id": fatigue.id, "severity": 3,
                 "patients": 2},
            ])
            await db.commit()

    reader.run(_seed)
    page = reader.get("/conditions/rheumatoid-arthritis").text
    assert "Fatigue" in page and "<td>9</td>" in page
    assert "Moderate: 7" in page and "Severe: fewer than 5" in page


def test_community_page_lists_most_reported_treatments(visitor, settings) -> None:  # type: ignore[no-untyped-def]
    """The core's community page shows outcomes' summary through the plugged-in hook."""
    from sqlalchemy import select

    from community.communities.demo import seed_communities
    from outcomes.catalog.models import Condition, Treatment
    from outcomes.catalog.services import load_catalog
    from outcomes.reports.models import ConditionTreatmentCount

    async def _prepare(runtime):  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db:
            await seed_communities(db)
            await load_catalog(db)
            condition = await db.scalar(select(Condition).where(Condition.slug == "migraine"))
            names = ["sumatriptan", "topiramate"]
            for patients, slug in zip((12, 3), names, strict=True):
                treatment = await db.scalar(select(Treatment).where(Treatment.slug == slug))
                db.add(ConditionTreatmentCount(condition_id=condition.id,
                                               treatment_id=treatment.id, patients=patients,
                                               evaluations=patients))
            await db.commit()

    visitor.run(_prepare)
    page = visitor.get("/communities/migraine").text
    assert "Most reported treatments" in page
    assert page.index("Sumatriptan") < page.index("Topiramate")
    assert "12 patients" in page and "fewer than 5 patients" in page
