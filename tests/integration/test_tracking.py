"""Symptoms and daily check-ins through HTTP: recording, validation, ownership, summaries."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from community.accounts.models import User
from community.db import utcnow
from outcomes.catalog.models import Condition, Symptom
from outcomes.tracking import services
from outcomes.tracking.models import CheckIn, Severity, SymptomEntry
from tests.helpers import Visitor

TODAY = utcnow().date()


def seed_catalog(visitor: Visitor) -> dict[str, int]:
    """A few catalog rows, by slug -> id (the full vocabulary is not needed here)."""

    async def _seed(runtime: Any) -> dict[str, int]:
        async with runtime.sessionmaker() as db, db.begin():
            symptoms = await db.execute(insert(Symptom).returning(Symptom.slug, Symptom.id), [
                {"slug": "fatigue", "name": "Fatigue", "category": "general"},
                {"slug": "headache", "name": "Headache", "category": "pain"},
                {"slug": "nausea", "name": "Nausea", "category": "gastrointestinal"},
            ])
            ids = dict(symptoms.tuples().all())
            conditions = await db.execute(
                insert(Condition).returning(Condition.slug, Condition.id), [
                    {"slug": "multiple-sclerosis", "name": "Multiple sclerosis"},
                    {"slug": "migraine", "name": "Migraine"},
                ])
            ids.update(conditions.tuples().all())
            return ids

    return visitor.run(_seed)


def query(visitor: Visitor, statement: Any) -> list[Any]:
    async def _query(runtime: Any) -> list[Any]:
        async with runtime.sessionmaker() as db:
            return list((await db.execute(statement)).all())

    return visitor.run(_query)


def summaries(visitor: Visitor) -> dict[tuple[int, int, int], int]:
    async def _read(runtime: Any) -> dict[tuple[int, int, int], int]:
        async with runtime.sessionmaker() as db:
            return await services.symptom_summaries(db)

    return visitor.run(_read)


def entry_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r"/my/symptoms/(\d+)/edit", page)]


@pytest.fixture
def catalog(visitor: Visitor) -> dict[str, int]:
    return seed_catalog(visitor)


# Symptoms --------------------------------------------------------------------------------------


def test_symptoms_need_sign_in(visitor: Visitor) -> None:
    assert visitor.get("/my/symptoms").status_code == 303
    assert visitor.post("/my/symptoms", {"symptom_id": "1", "severity": "1"}).status_code == 401


def test_record_a_symptom_and_see_it_listed(visitor: Visitor, catalog: dict[str, int]) -> None:
    visitor.signup_and_login("tired_heron")
    page = visitor.get("/my/symptoms")
    assert page.status_code == 200
    assert '<optgroup label="General">' in page.text, "symptoms are grouped by category"
    response = visitor.post("/my/symptoms", {
        "symptom_id": catalog["fatigue"], "severity": "2",
        "condition_id": catalog["multiple-sclerosis"], "recorded_on": TODAY.isoformat()})
    assert response.status_code == 303
    listed = visitor.get(response.headers["location"])
    assert "Your symptom was recorded." in listed.text
    row = re.search(r"<tr>\s*<td>[^<]*</td>\s*<td>Fatigue</td>\s*<td>Moderate</td>\s*"
                    r"<td>Multiple sclerosis</td>", listed.text)
    assert row, listed.text
    stored = query(visitor, select(SymptomEntry.severity, SymptomEntry.recorded_on))
    assert stored == [(2, TODAY)]


SYMPTOM_MISTAKES = [
    ({"severity": "4"}, "severity", "Severity must be one of None, Mild, Moderate or Severe"),
    ({"severity": "-1"}, "severity", "Severity must be one of"),
    ({"severity": "severe"}, "severity", "Severity must be one of"),
    ({"severity": ""}, "severity", "Severity must be one of"),
    ({"symptom_id": "999999"}, "symptom_id", "Choose a symptom from the list"),
    ({"symptom_id": "abc"}, "symptom_id", "Choose a symptom from the list"),
    ({"condition_id": "999999"}, "condition_id", "Choose a condition from the list"),
    ({"recorded_on": "14/03/2026"}, "recorded_on", "year-month-day"),
    ({"recorded_on": (TODAY + timedelta(days=5)).isoformat()}, "recorded_on",
     "cannot be in the future"),
]


def test_symptom_validation_names_the_field_and_keeps_the_form(
    visitor: Visitor, catalog: dict[str, int]
) -> None:
    visitor.signup_and_login("careful_otter")
    for change, field, message in SYMPTOM_MISTAKES:
        form = {"symptom_id": str(catalog["headache"]), "severity": "1",
                "condition_id": str(catalog["migraine"]), "recorded_on": "2026-01-15"}
        form.update(change)
        response = visitor.post("/my/symptoms", form)
        assert response.status_code == 400, change
        assert message in response.text, change
        assert f'id="{field}-errors"' in response.text, change
        for kept, value in form.items():
            if kept == field:
                continue
            if kept == "recorded_on":
                assert f'value="{value}"' in response.text, change
            elif kept == "severity":
                assert re.search(rf'value="{value}"\s*checked', response.text), change
            else:
                assert re.search(rf'<option value="{value}" selected>', response.text), change
    assert query(visitor, select(func.count()).select_from(SymptomEntry)) == [(0,)]


def test_edit_and_delete_a_symptom_keep_summaries_right(
    visitor: Visitor, catalog: dict[str, int]
) -> None:
    visitor.signup_and_login("steady_lark")
    ms, fatigue = catalog["multiple-sclerosis"], catalog["fatigue"]
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    visitor.post("/my/symptoms", {"symptom_id": fatigue, "severity": "1", "condition_id": ms,
                                  "recorded_on": yesterday})
    visitor.post("/my/symptoms", {"symptom_id": fatigue, "severity": "3", "condition_id": ms,
                                  "recorded_on": TODAY.isoformat()})
    assert summaries(visitor) == {(ms, fatigue, 3): 1}, "only the latest report counts"
    newest, older = entry_ids(visitor.get("/my/symptoms").text)
    edit = visitor.get(f"/my/symptoms/{newest}/edit")
    assert edit.status_code == 200 and re.search(r'value="3"\s*checked', edit.text)
    changed = visitor.post(f"/my/symptoms/{newest}/edit", {
        "symptom_id": fatigue, "severity": "2", "condition_id": ms,
        "recorded_on": TODAY.isoformat()})
    assert changed.status_code == 303
    assert summaries(visitor) == {(ms, fatigue, 2): 1}
    bad = visitor.post(f"/my/symptoms/{newest}/edit", {
        "symptom_id": fatigue, "severity": "7", "condition_id": ms,
        "recorded_on": TODAY.isoformat()})
    assert bad.status_code == 400 and "Severity must be one of" in bad.text
    assert visitor.post(f"/my/symptoms/{newest}/delete").status_code == 303
    assert summaries(visitor) == {(ms, fatigue, 1): 1}, "the earlier report is latest again"
    assert visitor.post(f"/my/symptoms/{older}/delete").status_code == 303
    assert summaries(visitor) == {}


def test_no_one_reads_or_changes_another_persons_symptoms(
    visitor: Visitor, new_visitor: Any, catalog: dict[str, int]
) -> None:
    visitor.signup_and_login("owner_finch")
    visitor.post("/my/symptoms", {"symptom_id": catalog["nausea"], "severity": "2",
                                  "recorded_on": TODAY.isoformat()})
    (entry_id,) = entry_ids(visitor.get("/my/symptoms").text)
    intruder = new_visitor()
    intruder.signup_and_login("nosy_badger")
    assert "Nausea</td>" not in intruder.get("/my/symptoms").text
    assert intruder.get(f"/my/symptoms/{entry_id}/edit").status_code == 404
    assert intruder.post(f"/my/symptoms/{entry_id}/edit", {
        "symptom_id": catalog["nausea"], "severity": "0",
        "recorded_on": TODAY.isoformat()}).status_code == 404
    assert intruder.post(f"/my/symptoms/{entry_id}/delete").status_code == 404
    assert query(visitor, select(SymptomEntry.severity)) == [(2,)]


def test_condition_page_shows_the_most_reported_symptoms(
    visitor: Visitor, new_visitor: Any, catalog: dict[str, int]
) -> None:
    migraine, headache, nausea = catalog["migraine"], catalog["headache"], catalog["nausea"]
    for name, symptom, severity in [("p_one", headache, 3), ("p_two", headache, 2),
                                    ("p_three", nausea, 0)]:
        person = new_visitor()
        person.signup_and_login(name)
        person.post("/my/symptoms", {"symptom_id": symptom, "severity": severity,
                                     "condition_id": migraine, "recorded_on": TODAY.isoformat()})
    assert summaries(visitor) == {(migraine, headache, 3): 1, (migraine, headache, 2): 1,
                                  (migraine, nausea, 0): 1}
    page = visitor.get("/conditions/migraine")
    assert page.status_code == 200
    assert "Most reported symptoms" in page.text
    assert page.text.index("Headache") < page.text.index("Nausea"), "most reported first"


def test_removing_a_person_takes_them_out_of_summaries(
    visitor: Visitor, catalog: dict[str, int]
) -> None:
    visitor.signup_and_login("leaving_robin")
    visitor.post("/my/symptoms", {"symptom_id": catalog["fatigue"], "severity": "2",
                                  "condition_id": catalog["migraine"],
                                  "recorded_on": TODAY.isoformat()})
    visitor.post("/my/check-in", {"level": "3", "recorded_on": TODAY.isoformat()})
    visitor.post("/my/questionnaires/gad-7", {f"gad7-{i}": "LA6568-5" for i in range(1, 8)})
    user_id = query(visitor, select(SymptomEntry.user_id))[0][0]

    async def _remove(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await services.remove_person_tracking(db, user_id)

    visitor.run(_remove)
    assert summaries(visitor) == {}
    assert query(visitor, select(func.count()).select_from(SymptomEntry)) == [(0,)]
    assert query(visitor, select(func.count()).select_from(CheckIn)) == [(0,)]


# Check-ins -------------------------------------------------------------------------------------


def test_check_in_once_a_day_and_again_replaces_it(visitor: Visitor) -> None:
    visitor.signup_and_login("hopeful_pine")
    first = visitor.post("/my/check-in", {"level": "2", "note": "rough night",
                                          "recorded_on": TODAY.isoformat()})
    assert first.status_code == 303
    second = visitor.post("/my/check-in", {"level": "4", "note": "better after all",
                                           "recorded_on": TODAY.isoformat()})
    assert second.status_code == 303
    assert query(visitor, select(CheckIn.level, CheckIn.note)) == [(4, "better after all")]
    page = visitor.get("/my/check-in")
    assert re.search(r'value="4"\s*checked', page.text), "today's check-in is shown for editing"
    assert "better after all</textarea>" in page.text


def test_check_in_validation(visitor: Visitor) -> None:
    visitor.signup_and_login("brisk_comet")
    for form, field, message in [
        ({"level": "0"}, "level", "a level from 1 (very bad) to 5 (very good)"),
        ({"level": "6"}, "level", "a level from 1 (very bad) to 5 (very good)"),
        ({"level": ""}, "level", "a level from 1"),
        ({"level": "3", "note": "x" * 1001}, "note", "under 1000 characters"),
        ({"level": "3", "recorded_on": "yesterday"}, "recorded_on", "year-month-day"),
    ]:
        response = visitor.post("/my/check-in", {"note": "kept note",
                                                 "recorded_on": TODAY.isoformat(), **form})
        assert response.status_code == 400, form
        assert message in response.text and f'id="{field}-errors"' in response.text, form
        if field != "note":
            assert "kept note</textarea>" in response.text, form
    assert query(visitor, select(func.count()).select_from(CheckIn)) == [(0,)]


def test_check_ins_are_private(visitor: Visitor, new_visitor: Any) -> None:
    visitor.signup_and_login("private_fern")
    visitor.post("/my/check-in", {"level": "1", "note": "my secret note",
                                  "recorded_on": TODAY.isoformat()})
    other = new_visitor()
    other.signup_and_login("curious_tide")
    assert "my secret note" not in other.get("/my/check-in").text
    assert "my secret note" not in other.get("/my/charts").text
    other.post("/my/check-in", {"level": "5", "recorded_on": TODAY.isoformat()})
    assert sorted(query(visitor, select(CheckIn.level))) == [(1,), (5,)], (
        "the same day for another person is a separate check-in"
    )


def test_severity_labels() -> None:
    assert [s.label for s in Severity] == ["None", "Mild", "Moderate", "Severe"]
    assert date.fromisoformat(TODAY.isoformat()) == TODAY


# Demo data -------------------------------------------------------------------------------------


def test_demo_loader_is_deterministic_and_charts_render(
    visitor: Visitor, catalog: dict[str, int]
) -> None:
    from community.demo import create_people
    from outcomes.tracking import demo

    async def _load_twice(runtime: Any) -> tuple[list[str], int]:
        summaries_seen, lines = [], []
        for _attempt in range(2):
            async with runtime.sessionmaker() as db:
                await db.begin()
                people, staff = await create_people(db, patients=30, seed=3)
                lines.append(await demo.load(db, people=people, staff=staff, seed=3))
                summaries_seen.append(await services.symptom_summaries(db))
                person = await db.get_one(User, people[0].id)
                blocks = await services.my_charts(db, person, start=TODAY - timedelta(days=365),
                                                  end=TODAY)
                await db.rollback()
        assert summaries_seen[0] == summaries_seen[1] and summaries_seen[0]
        return lines, len(blocks)

    lines, _blocks = visitor.run(_load_twice)
    assert lines[0] == lines[1]
    assert re.match(r"tracking: [1-9]\d* symptom reports, [1-9]\d* check-ins, [1-9]\d* "
                    r"questionnaires", lines[0])
