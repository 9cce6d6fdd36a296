"""Random sequences of symptom writes keep the maintained summaries, and a rebuild, equal to
an independent oracle over the raw entries (plain SQL GROUP BY, tests/oracles.py)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from community.accounts.models import User
from community.db import make_engine
from outcomes.catalog.models import Condition, Symptom
from outcomes.tracking import services
from outcomes.tracking.models import Severity, SymptomEntry
from outcomes.tracking.services import SymptomReport
from tests.oracles import expected_symptom_summaries

PEOPLE, CONDITIONS, SYMPTOMS = 3, 2, 3
DAY0 = date(2026, 1, 1)

reports = st.builds(
    lambda symptom, condition, severity, day: (symptom, condition, severity, day),
    st.integers(0, SYMPTOMS - 1),
    st.one_of(st.none(), st.integers(0, CONDITIONS - 1)),
    st.sampled_from(list(Severity)),
    st.integers(0, 4),  # few days, so equal dates (ties broken by id) happen often
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("record"), st.integers(0, PEOPLE - 1), reports),
        st.tuples(st.just("update"), st.integers(0, 50), reports),
        st.tuples(st.just("delete"), st.integers(0, 50)),
        st.tuples(st.just("remove"), st.integers(0, PEOPLE - 1)),
    ),
    max_size=25,
)


async def _seed(maker: async_sessionmaker[AsyncSession]) -> dict[str, list[int]]:
    async with maker() as db, db.begin():
        people = list(await db.scalars(insert(User).returning(User.id), [
            {"username": f"p{i}", "username_key": f"p{i}", "email": f"p{i}@example.org",
             "password_hash": "x"} for i in range(PEOPLE)]))
        conditions = list(await db.scalars(insert(Condition).returning(Condition.id), [
            {"slug": f"c{i}", "name": f"C{i}"} for i in range(CONDITIONS)]))
        symptoms = list(await db.scalars(insert(Symptom).returning(Symptom.id), [
            {"slug": f"s{i}", "name": f"S{i}"} for i in range(SYMPTOMS)]))
    return {"people": people, "conditions": conditions, "symptoms": symptoms}


async def _replay(maker: async_sessionmaker[AsyncSession], ids: dict[str, list[int]],
                  ops: list[Any]) -> None:
    def report(raw: Any) -> SymptomReport:
        symptom, condition, severity, day = raw
        return SymptomReport(ids["symptoms"][symptom],
                             None if condition is None else ids["conditions"][condition],
                             severity, DAY0 + timedelta(days=day))

    async with maker() as db:
        await db.begin()
        people = {pid: await db.get_one(User, pid) for pid in ids["people"]}
        entries: list[SymptomEntry] = []
        for op in ops:
            if op[0] == "record":
                person = people[ids["people"][op[1]]]
                entries.append(await services.record_symptom(db, person, report(op[2])))
            elif op[0] == "update" and entries:
                await services.update_symptom(db, entries[op[1] % len(entries)], report(op[2]))
            elif op[0] == "delete" and entries:
                await services.delete_symptom(db, entries.pop(op[1] % len(entries)))
            elif op[0] == "remove":
                user_id = ids["people"][op[1]]
                await services.remove_person_tracking(db, user_id)
                db.expunge_all()
                people = {pid: await db.get_one(User, pid) for pid in ids["people"]}
                entries = [await db.get_one(SymptomEntry, e.id) for e in entries
                           if e.user_id != user_id]
        expected = await expected_symptom_summaries(db)
        maintained = await services.symptom_summaries(db)
        await services.rebuild_symptom_summaries(db)
        rebuilt = await services.symptom_summaries(db)
        await db.rollback()
    assert maintained == expected
    assert rebuilt == expected


def test_maintained_and_rebuilt_summaries_equal_the_raw_entries(database_url: str) -> None:
    engine = make_engine(database_url, pool=False)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    ids = asyncio.run(_seed(maker))

    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture,
                                     HealthCheck.too_slow])
    @given(ops=operations)
    def check(ops: list[Any]) -> None:
        asyncio.run(_replay(maker, ids, ops))

    try:
        check()
    finally:
        asyncio.run(engine.dispose())
