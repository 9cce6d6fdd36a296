"""Random sequences of course and evaluation writes keep the summaries equal to what the raw
rows say, computed by an independent oracle (plain SQL GROUP BY, tests/oracles.py), and so
does a rebuild."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from community.accounts.models import User, UserRole
from community.accounts.services import FormErrors
from community.runtime import Runtime
from outcomes.catalog.services import load_catalog
from outcomes.reports.summaries import rebuild_summaries, summary_state
from outcomes.treatments import access, scales, services
from outcomes.treatments.models import Evaluation, TreatmentCourse
from tests.helpers import Visitor
from tests.oracles import expected_summaries

TREATMENTS = ["Methotrexate", "Adalimumab"]
PURPOSES = ["Rheumatoid arthritis", "Psoriasis", "Fatigue"]
SIDE_EFFECTS = ["Nausea", "Headache", "Hair loss"]
BASE = date(2025, 1, 1)
PEOPLE = 3

day = st.integers(min_value=0, max_value=400)
index = st.integers(min_value=0, max_value=7)
person = st.integers(min_value=0, max_value=PEOPLE - 1)
answers = st.fixed_dictionaries({
    "effect": st.sampled_from(scales.EFFECTIVENESS.values),
    "side_effect_severity": st.sampled_from(scales.SIDE_EFFECT_SEVERITY.values),
    "side_effect": st.lists(st.sampled_from(SIDE_EFFECTS), max_size=2),
    "adherence": st.sampled_from(scales.ADHERENCE.values),
    "burden": st.sampled_from(scales.BURDEN.values),
    "cost": st.sampled_from(scales.COST.values),
    "visibility": st.sampled_from(scales.VISIBILITY.values),
    "day": day,
})
start = st.tuples(st.just("start"), person, st.sampled_from(TREATMENTS),
                  st.lists(st.sampled_from(PURPOSES), min_size=1, max_size=2, unique=True), day,
                  st.sampled_from(["", "10", "20", "7.5"]))
later = st.lists(st.one_of(
    start,
    st.tuples(st.just("dose"), person, index, day, st.sampled_from(["10", "25", ""])),
    st.tuples(st.just("stop"), person, index, day, st.sampled_from(scales.STOP_REASON.values)),
    st.tuples(st.just("evaluate"), person, index, answers),
    st.tuples(st.just("edit"), person, index, answers),
    st.tuples(st.just("visibility"), person, index, st.sampled_from(scales.VISIBILITY.values)),
    st.tuples(st.just("delete_evaluation"), person, index),
    st.tuples(st.just("delete_course"), person, index),
    st.tuples(st.just("remove_person"), person),
), min_size=1, max_size=14)
# Courses first, so most later writes have something to act on.
operations = st.tuples(st.lists(start, min_size=2, max_size=4), later).map(
    lambda parts: parts[0] + parts[1])


def _evaluation_form(course: TreatmentCourse, values: dict[str, Any]) -> dict[str, list[str]]:
    form = {key: [str(values[key])] for key in
            ("side_effect_severity", "adherence", "burden", "cost", "visibility")}
    form["evaluated_on"] = [(BASE + timedelta(days=values["day"])).isoformat()]
    form["side_effect"] = values["side_effect"] if values["side_effect_severity"] != "none" else []
    for purpose in course.purposes:
        form[services.effect_field(purpose.key)] = [values["effect"]]
    return form


async def _apply(db: Any, runtime: Runtime, user: User, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    courses = (await db.scalars(select(TreatmentCourse.id).where(
        TreatmentCourse.user_id == user.id).order_by(TreatmentCourse.id))).all()
    evaluation_ids = (await db.scalars(select(Evaluation.id).where(
        Evaluation.user_id == user.id).order_by(Evaluation.id))).all()

    async def course_at(i: int) -> TreatmentCourse | None:
        return await access.owned_course(db, user, courses[i % len(courses)]) if courses else None

    async def evaluation_at(i: int) -> tuple[TreatmentCourse, Evaluation] | None:
        if not evaluation_ids:
            return None
        evaluation_id = evaluation_ids[i % len(evaluation_ids)]
        course_id = await db.scalar(
            select(Evaluation.course_id).where(Evaluation.id == evaluation_id))
        course = await access.owned_course(db, user, course_id)
        return course, await access.owned_evaluation(db, user, course, evaluation_id)

    if kind == "start":
        _k, _p, treatment, purposes, start, amount = operation
        await services.start_course(db, user, {
            "treatment": [treatment], "purpose": purposes,
            "started_on": [(BASE + timedelta(days=start)).isoformat()], "amount": [amount],
            "unit": ["mg" if amount else ""], "frequency": ["weekly" if amount else ""]})
    elif kind == "dose" and (course := await course_at(operation[2])):
        await services.change_dose(db, user, course, {
            "started_on": [(BASE + timedelta(days=operation[3])).isoformat()],
            "amount": [operation[4]], "unit": ["mg" if operation[4] else ""],
            "frequency": ["weekly" if operation[4] else ""]})
    elif kind == "stop" and (course := await course_at(operation[2])):
        await services.stop_course(db, user, course, {
            "stopped_on": [(BASE + timedelta(days=operation[3])).isoformat()],
            "stop_reason": [operation[4]], "stop_reason_other": ["moved"]})
    elif kind == "evaluate" and (course := await course_at(operation[2])):
        await services.submit_evaluation(db, runtime, user, course,
                                         _evaluation_form(course, operation[3]))
    elif kind == "edit" and (found := await evaluation_at(operation[2])):
        course, evaluation = found
        await services.edit_evaluation(db, runtime, user, course, evaluation,
                                       _evaluation_form(course, operation[3]))
    elif kind == "visibility" and (found := await evaluation_at(operation[2])):
        await services.set_visibility(db, user, found[1], operation[3])
    elif kind == "delete_evaluation" and (found := await evaluation_at(operation[2])):
        await services.delete_evaluation(db, user, found[1])
    elif kind == "delete_course" and (course := await course_at(operation[2])):
        await services.delete_course(db, user, course)
    elif kind == "remove_person":
        await services.remove_person_outcomes(db, user.id)


def _setup(visitor: Visitor) -> list[int]:
    async def _prepare(runtime: Runtime) -> list[int]:
        async with runtime.sessionmaker() as db:
            await load_catalog(db)
            ids = []
            for n in range(PEOPLE):
                ids.append((await db.execute(insert(User).returning(User.id), [{
                    "username": f"prop{n}", "username_key": f"prop{n}",
                    "email": f"prop{n}@example.org", "password_hash": "x"}])).scalar_one())
                await db.execute(insert(UserRole), [{"user_id": ids[-1], "role": "patient"}])
            await db.commit()
            return ids

    return visitor.run(_prepare)


def test_maintained_and_rebuilt_summaries_equal_the_raw_rows(visitor: Visitor) -> None:
    user_ids = _setup(visitor)

    @settings(max_examples=25, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def check(ops: list[tuple[Any, ...]]) -> None:
        async def _run(runtime: Runtime) -> None:
            async with runtime.sessionmaker() as db:
                users = {u.id: u for u in (await db.scalars(
                    select(User).where(User.id.in_(user_ids)))).all()}
                try:
                    for operation in ops:
                        try:
                            async with db.begin_nested():
                                await _apply(db, runtime, users[user_ids[operation[1]]],
                                             operation)
                        except FormErrors:
                            pass
                    expected = await expected_summaries(db)
                    assert await summary_state(db) == expected, "maintained"
                    await rebuild_summaries(db)
                    assert await summary_state(db) == expected, "rebuilt"
                finally:
                    await db.rollback()

        visitor.run(_run)

    check()
