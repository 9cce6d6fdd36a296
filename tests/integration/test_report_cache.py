"""Rendered reports are reused while their summary's version stands, and only that long.

A repeat view costs one statement; every write, rebuild or vocabulary change shows at the
next view, in this process and in another one; what one viewer may read never reaches
another viewer through the cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community.app import create_app
from community.cache import LRUCache
from community.db import intent
from outcomes.catalog.models import Condition, Symptom
from outcomes.catalog.services import load_catalog
from outcomes.reports.summaries import rebuild_summaries
from outcomes.treatments.models import Evaluation, TreatmentCourse
from tests.helpers import Visitor, statements_of
from tests.integration.test_reports import seed_patients
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies, query

REPORT = "/treatments/methotrexate"
CONDITION = "/conditions/rheumatoid-arthritis"




@asynccontextmanager
async def writing(runtime: Any) -> AsyncIterator[AsyncSession]:
    """A session that writes outside a request, as another process would: SQLite takes the
    write lock up front, so a counter flush in between cannot make it fail."""
    with intent(write=True):
        async with runtime.sessionmaker() as db:
            yield db


@pytest.fixture
def reader(visitor: Visitor) -> Visitor:
    load_vocabularies(visitor)
    return visitor


@pytest.fixture
def other_process(make_settings: Callable[..., Any]) -> Iterator[Visitor]:
    """A second app on the same database, with its own cache: another worker process."""
    app: Litestar = create_app(make_settings())
    with TestClient(app, base_url="http://testserver.local") as client:
        yield Visitor(client)


def test_a_repeat_view_reads_only_the_version(reader: Visitor) -> None:
    seed_patients(reader, 6)
    assert len(statements_of(reader, REPORT, selects_only=True)) > 1
    assert len(statements_of(reader, REPORT, selects_only=True)) == 1
    first = len(statements_of(reader, CONDITION, selects_only=True))
    # One statement: the condition with its counts' version and its symptom counts (tracking
    # keeps no version, so the counts themselves key the symptom table).
    assert first > len(statements_of(reader, CONDITION, selects_only=True)) == 1


def test_every_write_shows_at_the_next_view(
    reader: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed_patients(reader, 6)
    stranger = new_visitor()
    before = stranger.get(REPORT).text
    assert 'id="current-patients">6<' in before and "Hair loss" not in before
    assert "Methotrexate" in stranger.get(CONDITION).text
    reader.signup_and_login("quick_heron")
    course_id = add_course(reader)
    assert evaluate(reader, course_id, side_effect="Hair loss",
                    tip="HERON TIP").status_code == 303
    after = stranger.get(REPORT).text
    assert 'id="current-patients">7<' in after and "Hair loss" in after
    assert "HERON TIP" in after
    assert '<td>7</td>' in stranger.get(CONDITION).text
    # A change of visibility moves no count, and still shows at once.
    evaluation_id = query(reader, select(Evaluation.id).where(Evaluation.tip == "HERON TIP"))[0][0]
    assert reader.post(f"/my/treatments/{course_id}/evaluations/{evaluation_id}/visibility",
                       {"visibility": "only_me"}).status_code == 303
    assert "HERON TIP" not in stranger.get(REPORT).text
    assert reader.post(f"/my/treatments/{course_id}/delete").status_code == 303
    assert 'id="current-patients">6<' in stranger.get(REPORT).text
    assert '<td>6</td>' in stranger.get(CONDITION).text


def test_another_process_sees_a_write_at_its_next_read(
    reader: Visitor, other_process: Visitor
) -> None:
    seed_patients(reader, 6)
    assert 'id="current-patients">6<' in reader.get(REPORT).text
    assert '<td>6</td>' in reader.get(CONDITION).text
    other_process.signup_and_login("far_away_wren")
    course_id = add_course(other_process)
    assert evaluate(other_process, course_id, tip="WREN TIP").status_code == 303
    page = reader.get(REPORT).text
    assert 'id="current-patients">7<' in page and "WREN TIP" in page
    assert '<td>7</td>' in reader.get(CONDITION).text
    evaluation_id = query(reader, select(Evaluation.id).where(Evaluation.tip == "WREN TIP"))[0][0]
    assert other_process.post(f"/my/treatments/{course_id}/evaluations/{evaluation_id}/visibility",
                              {"visibility": "only_me"}).status_code == 303
    assert "WREN TIP" not in reader.get(REPORT).text


def test_a_rebuild_shows_at_once_everywhere(reader: Visitor, other_process: Visitor) -> None:
    seed_patients(reader, 6)
    assert 'id="current-patients">6<' in reader.get(REPORT).text
    assert '<td>6</td>' in reader.get(CONDITION).text

    async def _shrink_and_rebuild(runtime: Any) -> None:
        async with writing(runtime) as db:
            # Rows removed behind the summaries' back; only the rebuild accounts for them.
            ids = (await db.scalars(select(TreatmentCourse.id).limit(1))).all()
            await db.execute(
                TreatmentCourse.__table__.delete().where(TreatmentCourse.id.in_(ids)))
            await rebuild_summaries(db)
            await db.commit()

    other_process.run(_shrink_and_rebuild)
    assert 'id="current-patients">5<' in reader.get(REPORT).text
    assert '<td>5</td>' in reader.get(CONDITION).text


def test_a_vocabulary_change_shows_in_cached_reports(reader: Visitor) -> None:
    seed_patients(reader, 6)

    async def _rename(runtime: Any) -> None:
        async with writing(runtime) as db:
            await db.execute(update(Condition).where(Condition.slug == "rheumatoid-arthritis")
                             .values(name="Old arthritis name"))
            await rebuild_summaries(db)
            await db.commit()

    reader.run(_rename)
    assert "Old arthritis name" in reader.get(REPORT).text

    async def _reload(runtime: Any) -> None:
        async with writing(runtime) as db:
            await load_catalog(db)
            await db.commit()

    reader.run(_reload)
    page = reader.get(REPORT).text
    assert "Old arthritis name" not in page and "Rheumatoid arthritis" in page


def test_symptom_counts_show_at_once_on_a_cached_condition_page(reader: Visitor) -> None:
    from outcomes.tracking.models import SymptomSummary

    seed_patients(reader, 6)
    assert "Fatigue" not in reader.get(CONDITION).text

    async def _seed(runtime: Any) -> None:
        async with writing(runtime) as db:
            condition = await db.scalar(
                select(Condition).where(Condition.slug == "rheumatoid-arthritis"))
            fatigue = await db.scalar(select(Symptom).where(Symptom.slug == "fatigue"))
            await db.execute(insert(SymptomSummary), [
                {"condition_id": condition.id, "symptom_id": fatigue.id, "severity": 2,
                 "patients": 7}])
            await db.commit()

    reader.run(_seed)
    page = reader.get(CONDITION).text
    assert "Fatigue" in page and "Moderate: 7" in page


@pytest.mark.parametrize("first", ["owner", "member", "stranger"])
def test_no_viewer_reads_what_another_may_read(
    reader: Visitor, new_visitor: Callable[[], Visitor], first: str
) -> None:
    """Whoever fills the cache first, each viewer reads exactly their own share."""
    seed_patients(reader, 6)
    owner, member, stranger = reader, new_visitor(), new_visitor()
    owner.signup_and_login("gentle_maple")
    member.signup_and_login("bold_finch")
    course_id = add_course(owner)
    for visibility, tip in (("public", "PUBLIC TIP"), ("members", "MEMBERS TIP"),
                            ("only_me", "PRIVATE TIP")):
        assert evaluate(owner, course_id, visibility=visibility, tip=tip).status_code == 303
    assert evaluate(owner, course_id, visibility="public",
                    tip="HELD TIP, call me on 0123 456 789").status_code == 303
    viewers = {"owner": owner, "member": member, "stranger": stranger}
    order = [first, *(name for name in viewers if name != first)]
    seen = {name: viewers[name].get(REPORT).text for name in order * 2}
    assert all(tip in seen["owner"] for tip in ("PUBLIC TIP", "MEMBERS TIP", "PRIVATE TIP",
                                                "HELD TIP"))
    assert "Only you can see this tip" in seen["owner"] and "Only me" in seen["owner"]
    assert "PUBLIC TIP" in seen["member"] and "MEMBERS TIP" in seen["member"]
    assert "PUBLIC TIP" in seen["stranger"]
    for name in ("member", "stranger"):
        page = seen[name]
        assert "PRIVATE TIP" not in page and "HELD TIP" not in page, name
        assert "Only you can see this tip" not in page and "Only me" not in page, name
    assert "MEMBERS TIP" not in seen["stranger"]
    assert "I take Methotrexate" not in seen["stranger"]


def test_each_page_carries_its_own_csrf_token(
    reader: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed_patients(reader, 6)
    first, second = new_visitor(), new_visitor()
    first.signup_and_login("first_lark")
    second.signup_and_login("second_lark")
    for visitor in (first, second):
        page = visitor.get(REPORT).text
        token = visitor.jar.get("csrftoken")
        assert token and token in page
    assert first.jar.get("csrftoken") != second.jar.get("csrftoken")
    assert first.jar.get("csrftoken") not in second.get(REPORT).text


def test_the_cache_keeps_at_most_its_size() -> None:
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert len(cache) == 2

