"""The real catalogue tables over the outcome models, exported end to end."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from community.accounts.models import Role, User, UserRole
from community.communities.models import Community
from community.profiles.models import Profile, ProfileCondition
from outcomes.catalog.models import Condition, SideEffect, Symptom, Treatment
from outcomes.research.models import ConsentRecord
from outcomes.research.tables import CATALOGUE, age_band, available_tables
from outcomes.tracking.models import QuestionnaireAnswer, SymptomEntry
from outcomes.treatments.models import (
    CoursePurpose,
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
)
from tests.helpers import Visitor
from tests.research_support import (
    approved_researcher,
    make_admin,
    new_snapshot,
    read_zip,
    run_jobs,
    settings,
)

__all__ = ["settings"]
ALL_TABLES = list(CATALOGUE)


def seed_outcomes(visitor: Visitor) -> None:
    """12 consenting RA and MS patients each with one of everything, 2 RA without consent."""

    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            conditions = {s: Condition(slug=s, name=s.upper()) for s in ("ra", "ms")}
            treatment = Treatment(slug="methotrexate", name="Methotrexate")
            symptom = Symptom(slug="fatigue", name="Fatigue")
            side_effect = SideEffect(slug="nausea", name="Nausea")
            db.add_all([*conditions.values(), treatment, symptom, side_effect])
            communities = {s: Community(slug=f"{s}-community", name=s, icd10="M06",
                                        condition_slug=s) for s in conditions}
            db.add_all(communities.values())
            await db.flush()
            people = [("ra", True)] * 12 + [("ms", True)] * 12 + [("ra", False)] * 2
            for n, (slug, consents) in enumerate(people):
                user = User(username=f"person{n}", username_key=f"person{n}",
                            email=f"person{n}@example.org", password_hash="!")
                user.roles.append(UserRole(role=Role.PATIENT))
                db.add(user)
                await db.flush()
                if consents:
                    db.add(ConsentRecord(user_id=user.id, version="v1", granted=True))
                db.add(Profile(user_id=user.id, sex="female", age_band="45-54", country="GB",
                               about="my name is Jane, call me"))
                db.add(ProfileCondition(user_id=user.id, community_id=communities[slug].id))
                course = TreatmentCourse(user_id=user.id, treatment_id=treatment.id,
                                         started_on=date(2024, 3, 1),
                                         stop_reason_other="private words")
                db.add(course)
                await db.flush()
                db.add(CoursePurpose(course_id=course.id, condition_id=conditions[slug].id))
                evaluation = Evaluation(course_id=course.id, user_id=user.id,
                                        treatment_id=treatment.id, evaluated_on=date(2024, 5, 2),
                                        side_effect_severity="mild", adherence="always",
                                        burden="low", cost="low", tip="secret tip text")
                db.add(evaluation)
                await db.flush()
                db.add(EvaluationEffect(evaluation_id=evaluation.id,
                                        purpose=f"condition:{conditions[slug].id}",
                                        effectiveness="moderate",
                                        condition_id=conditions[slug].id))
                db.add(EvaluationSideEffect(evaluation_id=evaluation.id,
                                            side_effect_id=side_effect.id))
                db.add(SymptomEntry(user_id=user.id, symptom_id=symptom.id,
                                    condition_id=conditions[slug].id, severity=2,
                                    recorded_on=date(2024, 4, 10)))
                db.add(QuestionnaireAnswer(user_id=user.id, questionnaire_id="phq9",
                                           answers={"q1": "1"}, total=6.0, band_code="mild",
                                           authored_at=datetime(2024, 4, 10, tzinfo=UTC)))

    visitor.run(work)


def test_every_catalogue_table_is_available() -> None:
    assert set(available_tables()) == set(CATALOGUE)


def test_age_bands_are_coarse_and_collapse_the_oldest() -> None:
    assert age_band("85+") == age_band(93) == "85+"
    assert age_band(30) == "25-34"
    assert age_band("") == age_band(None) == age_band(12) == "Unknown"


def test_all_tables_export_consenting_aggregates_only(
    new_visitor: Callable[[], Visitor]
) -> None:
    admin = make_admin(new_visitor)
    seed_outcomes(admin)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_tables",
                                                 tables_=ALL_TABLES)
    response = researcher.post(f"/research/projects/{project_id}/exports",
                               {"tables": ALL_TABLES, "year_from": "2024", "year_to": "2024"})
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[1])
    run_jobs(researcher)
    page = researcher.get(f"/research/exports/{job_id}")
    assert "Download the archive" in page.text, page.text
    link = re.search(r'href="(/research/exports/\d+/download\?[^"]+)"', page.text)
    assert link
    archive = researcher.get(link.group(1).replace("&amp;", "&"))
    tables, manifest = read_zip(archive.content)
    assert set(tables) == set(ALL_TABLES) == set(manifest["tables"])
    for name, rows in tables.items():
        for row in rows:
            assert row["patients"] == "" or not 1 <= int(row["patients"]) <= 10, (name, row)
            # The full product of categories is mostly empty: empty cells are not listed.
            assert row["patients"] != "0", (name, row)
    assert "not listed" in manifest["zero_rows"]
    for text in (b"Jane", b"private words", b"secret tip text", b"person1"):
        assert text not in archive.content

    def cell(name: str, **key: str) -> str:
        matches = [r for r in tables[name] if all(r[k] == v for k, v in key.items())]
        assert len(matches) == 1, (name, key, tables[name])
        return matches[0]["patients"]

    assert cell("patients", condition="ra", age_band="45-54", sex="female", country="GB") == "12"
    assert cell("treatment_use", condition="ra", treatment="methotrexate", year="2024") == "12"
    assert cell("side_effects", treatment="methotrexate", side_effect="nausea",
                year="2024") == "24"
    assert cell("symptom_severity", condition="ra", month="2024-04", severity="moderate") == "12"
    assert cell("questionnaire_bands", instrument="phq9", condition="ra", quarter="2024-Q2",
                band="mild") == "12"
    assert cell("evaluation_effectiveness", treatment="methotrexate", year="2024",
                purpose="ra", answer="moderate") == "12"
    assert cell("evaluation_answers", treatment="methotrexate", year="2024",
                measure="adherence", answer="always") == "24"
    assert cell("patients", condition="*", age_band="*", sex="*", country="*") == "24"


def test_each_table_computes_on_an_empty_database(visitor: Visitor) -> None:
    from outcomes.research.models import DataSnapshot
    from outcomes.research.tables import compute_release

    async def work(runtime: Any) -> dict[str, int]:
        async with runtime.sessionmaker() as db:
            snapshot = DataSnapshot(id=1, taken_at=datetime.now(UTC))
            return {table: (await compute_release(db, CATALOGUE[table], snapshot, None)).primary
                    for table in ALL_TABLES}

    assert visitor.run(work) == dict.fromkeys(ALL_TABLES, 0)


def add_lone_patient(visitor: Visitor) -> None:
    """One more consenting patient, whose every event falls in 2021, when nobody else has any,
    with a country, age band and sex nobody else has."""

    async def work(runtime: Any) -> None:
        from sqlalchemy import select

        async with runtime.sessionmaker() as db, db.begin():
            def one(model: Any, slug: str) -> Any:
                return db.scalar(select(model.id).where(model.slug == slug))

            ra, methotrexate = await one(Condition, "ra"), await one(Treatment, "methotrexate")
            fatigue, nausea = await one(Symptom, "fatigue"), await one(SideEffect, "nausea")
            community_id = await db.scalar(select(Community.id).where(
                Community.condition_slug == "ra"))
            user = User(username="lone", username_key="lone", email="lone@example.org",
                        password_hash="!")
            db.add(user)
            await db.flush()
            db.add(ConsentRecord(user_id=user.id, version="v1", granted=True))
            db.add(Profile(user_id=user.id, sex="intersex", age_band="85+", country="NZ"))
            db.add(ProfileCondition(user_id=user.id, community_id=community_id))
            course = TreatmentCourse(user_id=user.id, treatment_id=methotrexate,
                                     started_on=date(2021, 7, 1))
            db.add(course)
            await db.flush()
            db.add(CoursePurpose(course_id=course.id, condition_id=ra))
            evaluation = Evaluation(course_id=course.id, user_id=user.id,
                                    treatment_id=methotrexate, evaluated_on=date(2021, 8, 2),
                                    side_effect_severity="severe", adherence="never",
                                    burden="very", cost="200_plus")
            db.add(evaluation)
            await db.flush()
            db.add(EvaluationEffect(evaluation_id=evaluation.id, purpose=f"condition:{ra}",
                                    effectiveness="major", condition_id=ra))
            db.add(EvaluationSideEffect(evaluation_id=evaluation.id, side_effect_id=nausea))
            db.add(SymptomEntry(user_id=user.id, symptom_id=fatigue, condition_id=ra,
                                severity=3, recorded_on=date(2021, 7, 10)))
            db.add(QuestionnaireAnswer(user_id=user.id, questionnaire_id="phq-9", answers={},
                                       total=20.0, band_code="severe",
                                       authored_at=datetime(2021, 7, 10, tzinfo=UTC)))

    visitor.run(work)


def test_one_patient_in_an_empty_period_does_not_change_a_noised_release_s_categories(
    new_visitor: Callable[[], Visitor]
) -> None:
    """The attack: a researcher exports a noised release, one patient joins whose events all
    fall in a period (and a country, band, answer...) where nobody has one, and the next
    snapshot's release is exported. When categories came from the data, the new period (as a
    row, or as a suppressed cell) showed that someone had an event then."""
    from sqlalchemy import select

    from outcomes.research.disclosure import Release
    from outcomes.research.models import StoredRelease

    admin = make_admin(new_visitor)
    seed_outcomes(admin)
    researcher, project_id = approved_researcher(new_visitor, admin, "dr_noise", budget="20",
                                                 tables_=ALL_TABLES)

    def noised_export() -> tuple[dict[str, Any], dict[str, Any], dict[str, Release]]:
        response = researcher.post(f"/research/projects/{project_id}/exports",
                                   {"tables": ALL_TABLES, "epsilon": "1"})
        assert response.status_code == 303, response.text
        job_id = int(response.headers["location"].rsplit("/", 1)[1])
        run_jobs(researcher)
        page = researcher.get(f"/research/exports/{job_id}").text
        link = re.search(r'href="(/research/exports/\d+/download\?[^"]+)"', page)
        assert link, page
        tables, manifest = read_zip(researcher.get(link.group(1).replace("&amp;", "&")).content)

        async def releases(runtime: Any) -> dict[str, Release]:
            async with runtime.sessionmaker() as db:
                rows = (await db.execute(
                    select(StoredRelease.table_name, StoredRelease.release_json)
                    .order_by(StoredRelease.id.desc()).limit(len(ALL_TABLES)))).all()
            return {name: Release.from_json(text) for name, text in rows}

        return tables, manifest, researcher.run(releases)

    before_tables, before_manifest, before = noised_export()
    add_lone_patient(admin)
    new_snapshot(researcher)
    after_tables, after_manifest, after = noised_export()

    def categories(release: Release) -> dict[str, tuple[str, ...]]:
        return {d.name: d.categories for d in release.dimensions}

    assert set(before) == set(after) == set(ALL_TABLES)
    for name in ALL_TABLES:
        assert categories(before[name]) == categories(after[name]), name
    # The empty periods are listed before the patient came, noised and suppressed like any.
    assert "2021" in categories(before["treatment_use"])["year"]
    assert "2021-07" in categories(before["symptom_severity"])["month"]
    assert "2021-Q3" in categories(before["questionnaire_bands"])["quarter"]
    assert "NZ" in categories(before["patients"])["country"]
    for tables, manifest in ((before_tables, before_manifest), (after_tables, after_manifest)):
        assert manifest["not_released"] == {}
        for name, rows in tables.items():
            described = manifest["tables"][name]
            assert described["suppressed_cells"] == sum(r["patients"] == "" for r in rows)
            assert all(r["patients"] == "" or int(r["patients"]) >= 11 for r in rows), name
        assert manifest["tables"]["symptom_severity"]["periods"] == {
            "earlier": "before 2020-01", "first": "2020-01",
            "last": manifest["snapshot_at"][:7]}
        assert "periods" not in manifest["tables"]["patients"]
