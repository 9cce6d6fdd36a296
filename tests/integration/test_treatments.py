"""Treatment courses through HTTP: add, change the dose, stop, and nobody else's by id."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.accounts.services import set_role
from outcomes.catalog.models import Treatment
from outcomes.catalog.services import load_catalog
from outcomes.reports.summaries import rebuild_summaries, summary_state
from outcomes.treatments.models import DosePeriod, Evaluation, TreatmentCourse
from tests.helpers import Visitor

TODAY = "2026-11-20"


def load_vocabularies(visitor: Visitor) -> None:
    async def _load(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            await load_catalog(db)
            await db.commit()

    visitor.run(_load)


def query(visitor: Visitor, statement: Any) -> Any:
    async def _query(runtime: Any) -> Any:
        async with runtime.sessionmaker() as db:
            return (await db.execute(statement)).all()

    return visitor.run(_query)


def grant(visitor: Visitor, username: str, role: Role) -> None:
    async def _grant(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            user = await db.scalar(select(User).where(User.username == username))
            await set_role(db, actor=None, user=user, role=role, granted=True)
            await db.commit()

    visitor.run(_grant)


def add_course(visitor: Visitor, treatment: str = "Methotrexate",
               purpose: str = "Rheumatoid arthritis", **extra: str) -> int:
    form = {"treatment": treatment, "purpose": purpose, "started_on": "2026-01-10",
            "amount": "15", "unit": "mg", "frequency": "weekly", **extra}
    response = visitor.post("/my/treatments/new", form)
    assert response.status_code == 303, response.text
    match = re.match(r"/my/treatments/(\d+)", response.headers["location"])
    assert match
    return int(match.group(1))


def purpose_field(visitor: Visitor, course_id: int) -> str:
    page = visitor.get(f"/my/treatments/{course_id}/evaluations/new")
    assert page.status_code == 200
    match = re.search(r'name="(effect_condition_\d+|effect_symptom_\d+)"', page.text)
    assert match
    return match.group(1)


def evaluation_form(field: str, **overrides: str) -> dict[str, str]:
    form = {"evaluated_on": TODAY, field: "major", "side_effect_severity": "mild",
            "side_effect": "Nausea", "adherence": "always", "burden": "a_little",
            "cost": "under_25", "tip": "Take it with food.", "visibility": "public"}
    form.update(overrides)
    return form


def evaluate(visitor: Visitor, course_id: int, **overrides: str) -> Any:
    field = purpose_field(visitor, course_id)
    return visitor.post(f"/my/treatments/{course_id}/evaluations/new",
                        evaluation_form(field, **overrides))


def assert_summaries_match_rebuild(visitor: Visitor) -> None:
    async def _check(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            maintained = await summary_state(db)
            await rebuild_summaries(db)
            assert await summary_state(db) == maintained
            await db.rollback()

    visitor.run(_check)


@pytest.fixture
def patient(visitor: Visitor) -> Visitor:
    load_vocabularies(visitor)
    visitor.signup_and_login("steady_fern")
    return visitor


def test_add_change_dose_stop_and_evaluate(patient: Visitor) -> None:
    course_id = add_course(patient)
    page = patient.get(f"/my/treatments/{course_id}")
    assert page.status_code == 200
    assert "Methotrexate" in page.text and "Rheumatoid arthritis" in page.text
    assert "15 mg, once a week" in page.text
    assert patient.get("/my/treatments").text.count("Methotrexate") >= 1

    response = evaluate(patient, course_id)
    assert response.status_code == 303, response.text
    report = patient.get("/treatments/methotrexate")
    assert report.status_code == 200
    assert "Take it with food." in report.text
    assert re.search(r'id="current-patients">fewer than 5<', report.text)

    response = patient.post(f"/my/treatments/{course_id}/dose",
                            {"started_on": "2026-03-01", "amount": "20", "unit": "mg",
                             "frequency": "weekly"})
    assert response.status_code == 303, response.text
    assert "20 mg, once a week" in patient.get(f"/my/treatments/{course_id}").text

    response = patient.post(f"/my/treatments/{course_id}/stop",
                            {"stopped_on": "2026-06-01", "stop_reason": "side_effects"})
    assert response.status_code == 303, response.text
    assert "Stopped" in patient.get(f"/my/treatments/{course_id}").text
    doses = query(patient, select(DosePeriod.amount).where(DosePeriod.course_id == course_id))
    assert [float(d[0]) for d in doses] == [15.0, 20.0]
    report = patient.get("/treatments/methotrexate")
    assert re.search(r'id="former-patients">fewer than 5<', report.text)
    assert re.search(r'id="current-patients">0<', report.text)
    assert_summaries_match_rebuild(patient)


def test_brand_names_and_symptoms_are_recognised(patient: Visitor) -> None:
    course_id = add_course(patient, treatment="trexall", purpose="fatigue")
    page = patient.get(f"/my/treatments/{course_id}")
    assert "Methotrexate" in page.text and "Fatigue" in page.text


COURSE_CASES = [
    ({"treatment": ""}, "treatment", "Choose a treatment"),
    ({"treatment": "Unobtainium"}, "treatment", "We do not know"),
    ({"purpose": ""}, "purpose", "Say what you take it for"),
    ({"purpose": "Wanderlust"}, "purpose", "We do not know"),
    ({"started_on": "yesterday"}, "started_on", "Enter a date like"),
    ({"started_on": "2999-01-01"}, "started_on", "future"),
    ({"amount": "-3"}, "amount", "positive number"),
    ({"amount": "abc"}, "amount", "positive number"),
    ({"unit": "bucket"}, "unit", "Choose one of"),
    ({"frequency": "hourly-ish"}, "frequency", "Choose one of"),
]


def test_course_validation_keeps_the_form(patient: Visitor) -> None:
    # One sign-up for every case: each case is a separate request with its own answer.
    for form, field, message in COURSE_CASES:
        data = {"treatment": "Methotrexate", "purpose": "Rheumatoid arthritis",
                "started_on": "2026-01-10", "amount": "15", "unit": "mg",
                "frequency": "weekly", **form}
        response = patient.post("/my/treatments/new", data)
        assert response.status_code == 400, form
        assert message in response.text, form
        assert f'id="{field}-errors"' in response.text, form
        for key, value in data.items():
            if key != field and key in {"treatment", "purpose", "started_on", "amount"}:
                assert f'value="{value}"' in response.text, (form, key)
    assert query(patient, select(func.count()).select_from(TreatmentCourse))[0][0] == 0


def test_dose_and_stop_validation(patient: Visitor) -> None:
    course_id = add_course(patient)
    response = patient.post(f"/my/treatments/{course_id}/dose",
                            {"started_on": "2025-01-01", "amount": "20", "unit": "mg",
                             "frequency": "weekly"})
    assert response.status_code == 400 and "cannot be before" in response.text
    response = patient.post(f"/my/treatments/{course_id}/stop",
                            {"stopped_on": "2026-06-01", "stop_reason": "boredom"})
    assert response.status_code == 400 and "Choose one of" in response.text
    assert 'id="stop_reason-errors"' in response.text
    assert 'value="2026-06-01"' in response.text
    response = patient.post(f"/my/treatments/{course_id}/stop",
                            {"stopped_on": "2026-06-01", "stop_reason": "other"})
    assert response.status_code == 400 and 'id="stop_reason_other-errors"' in response.text
    response = patient.post(f"/my/treatments/{course_id}/stop",
                            {"stopped_on": "2026-06-01", "stop_reason": "other",
                             "stop_reason_other": "moved abroad"})
    assert response.status_code == 303


def test_nobody_reads_or_changes_another_persons_course(
    patient: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    course_id = add_course(patient)
    assert evaluate(patient, course_id).status_code == 303
    evaluation_id = query(patient, select(Evaluation.id))[0][0]
    other = new_visitor()
    other.signup_and_login("curious_otter")
    base = f"/my/treatments/{course_id}"
    for url in (base, f"{base}/evaluations/new", f"{base}/evaluations/{evaluation_id}"):
        assert other.get(url).status_code == 404, url
    posts = {
        f"{base}/dose": {"started_on": "2026-03-01", "amount": "1", "unit": "mg",
                         "frequency": "weekly"},
        f"{base}/stop": {"stopped_on": "2026-03-01", "stop_reason": "cost"},
        f"{base}/delete": {},
        f"{base}/evaluations/new": evaluation_form("effect_condition_1"),
        f"{base}/evaluations/{evaluation_id}": evaluation_form("effect_condition_1"),
        f"{base}/evaluations/{evaluation_id}/visibility": {"visibility": "public"},
        f"{base}/evaluations/{evaluation_id}/delete": {},
    }
    for url, data in posts.items():
        assert other.post(url, data).status_code == 404, url
    # The other person's own course does not open someone else's evaluation either.
    own = add_course(other)
    assert other.get(f"/my/treatments/{own}/evaluations/{evaluation_id}").status_code == 404
    assert other.post(f"/my/treatments/{own}/evaluations/{evaluation_id}/delete").status_code == 404
    assert query(patient, select(TreatmentCourse.stopped_on).where(
        TreatmentCourse.id == course_id))[0][0] is None
    assert query(patient, select(func.count()).select_from(Evaluation))[0][0] == 1


def test_signed_out_visitors_are_sent_to_sign_in(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    assert visitor.get("/my/treatments").status_code == 303
    assert visitor.get("/my/treatments/new").status_code == 303
    assert visitor.post("/my/treatments/new", {"treatment": "Methotrexate"}).status_code == 401


def test_delete_course_updates_the_report(patient: Visitor) -> None:
    course_id = add_course(patient)
    assert evaluate(patient, course_id).status_code == 303
    assert patient.post(f"/my/treatments/{course_id}/delete").status_code == 303
    report = patient.get("/treatments/methotrexate")
    assert re.search(r'id="current-patients">0<', report.text)
    assert re.search(r'id="evaluation-count">0<', report.text)
    assert_summaries_match_rebuild(patient)


def test_unknown_treatment_report_is_not_found(visitor: Visitor) -> None:
    load_vocabularies(visitor)
    assert visitor.get("/treatments/no-such-thing").status_code == 404
    assert visitor.get("/conditions/no-such-thing").status_code == 404
    count = query(visitor, select(func.count()).select_from(Treatment))[0][0]
    assert count > 300


def test_removing_a_person_takes_them_out_of_every_report(
    patient: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    from outcomes.treatments.services import remove_person_outcomes

    first = add_course(patient)
    assert evaluate(patient, first).status_code == 303
    second = add_course(patient, treatment="Adalimumab")
    assert evaluate(patient, second, visibility="members").status_code == 303
    other = new_visitor()
    other.signup_and_login("merry_badger")
    kept = add_course(other)
    assert evaluate(other, kept, tip="Still here.").status_code == 303

    async def _remove(runtime: Any) -> int:
        async with runtime.sessionmaker() as db:
            user_id = await db.scalar(select(User.id).where(User.username == "steady_fern"))
            removed = await remove_person_outcomes(db, user_id)
            await db.commit()
            return removed

    assert patient.run(_remove) == 2
    report = other.get("/treatments/methotrexate").text
    assert "Take it with food." not in report and "Still here." in report
    assert re.search(r'id="evaluation-count">fewer than 5<', report)
    assert re.search(r'id="current-patients">0<', other.get("/treatments/adalimumab").text)
    assert_summaries_match_rebuild(patient)
