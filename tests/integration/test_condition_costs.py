"""The condition page reads in one statement: the condition by its slug, the version of its
treatment counts and its symptom summary, as plain columns (no `Condition` object), without a
transaction, and on SQLite on the event loop; what it shows is unchanged."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from community.db import intent
from outcomes.catalog.models import Condition, Symptom
from outcomes.tracking.models import SymptomSummary
from tests.helpers import Visitor, loaded_objects, sqlite_trips, statements_without_commit
from tests.integration.test_reports import reader, seed_patients

__all__ = ["reader"]

URL = "/conditions/rheumatoid-arthritis"


def add_symptom_counts(visitor: Visitor, slug: str, counts: dict[int, int]) -> None:
    """Patients of rheumatoid arthritis whose latest report of `slug` has each severity."""
    async def work(runtime: Any) -> None:
        with intent(write=True):
            async with runtime.sessionmaker() as db:
                condition = await db.scalar(select(Condition.id).where(
                    Condition.slug == "rheumatoid-arthritis"))
                symptom = await db.scalar(select(Symptom.id).where(Symptom.slug == slug))
                await db.execute(insert(SymptomSummary), [
                    {"condition_id": condition, "symptom_id": symptom, "severity": severity,
                     "patients": patients} for severity, patients in counts.items()])
                await db.commit()
    visitor.run(work)


def test_the_condition_page_reads_in_one_statement_of_columns(reader: Visitor) -> None:
    seed_patients(reader, 6)
    add_symptom_counts(reader, "fatigue", {2: 7, 3: 2})
    reader.get(URL)  # the rendered tables are kept from here on

    statements = statements_without_commit(reader, URL)
    assert len(statements) == 1, statements
    with loaded_objects(Condition) as loaded, sqlite_trips(reader) as trips:
        page = reader.get(URL).text
    assert not loaded, "the condition is read as columns"
    assert not trips, "on SQLite the page's read runs on the event loop (SHORT_READS)"
    assert "<h1>Rheumatoid arthritis</h1>" in page and "ICD-10" in page
    assert "Methotrexate" in page
    assert "Fatigue" in page and "<td>9</td>" in page and "Moderate: 7" in page

    # The symptom table is keyed by the counts read with the condition: a change shows at once.
    add_symptom_counts(reader, "nausea", {1: 6})
    page = reader.get(URL).text
    assert "Nausea" in page and "Fatigue" in page
    assert len(statements_without_commit(reader, URL)) == 1


def test_a_condition_without_symptoms_or_counts_and_an_unknown_one(reader: Visitor) -> None:
    page = reader.get(URL)
    assert page.status_code == 200
    assert "Rheumatoid arthritis" in page.text and "Fatigue" not in page.text

    describe_condition(reader, "Joints, mostly the small ones.")
    assert "Joints, mostly the small ones." in reader.get(URL).text
    assert reader.get("/conditions/no-such-condition").status_code == 404


def describe_condition(visitor: Visitor, description: str) -> None:
    """Give the rheumatoid arthritis condition a new description, as an editor would."""
    async def describe(runtime: Any) -> None:
        with intent(write=True):
            async with runtime.sessionmaker() as db:
                await db.execute(update(Condition).where(
                    Condition.slug == "rheumatoid-arthritis").values(description=description))
                await db.commit()
    visitor.run(describe)
