"""The demo loader: deterministic for a seed, plausible, and summarised by one rebuild."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import delete, func, select

from community.demo import create_people
from outcomes.reports.models import TreatmentSummary
from outcomes.reports.summaries import rebuild_summaries, summary_state
from outcomes.treatments import demo
from outcomes.treatments.models import Evaluation, EvaluationEffect, TreatmentCourse
from tests.helpers import Visitor
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies

ANCHOR = date(2026, 6, 1)


def test_demo_is_deterministic_and_summarised(visitor: Visitor) -> None:
    async def _run(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            people, staff = await create_people(db, patients=40, seed=3)
            message = await demo.load(db, people=people, staff=staff, seed=3,
                                      evaluations_per_patient=4, anchor=ANCHOR)
            assert "160 evaluations" in message
            first = await _snapshot(db)
            state = await summary_state(db)
            assert state["summary"] and state["answers"] and state["conditions"]
            await rebuild_summaries(db)
            assert await summary_state(db) == state
            await db.execute(delete(TreatmentCourse))
            await demo.load(db, people=people, staff=staff, seed=3,
                            evaluations_per_patient=4, anchor=ANCHOR)
            assert await _snapshot(db) == first
            patients = await db.scalar(select(func.sum(TreatmentSummary.current_patients
                                                       + TreatmentSummary.former_patients)))
            assert patients and patients >= 40
            evaluation = (await db.scalars(select(Evaluation).limit(1))).one()
            assert evaluation.evaluated_on <= ANCHOR
            await db.commit()

    visitor.run(_run)
    assert visitor.get("/treatments/methotrexate").status_code == 200
    # Rows written after the bulk load with explicit ids still get fresh ids.
    load_vocabularies(visitor)
    visitor.signup_and_login("after_demo")
    course_id = add_course(visitor)
    assert evaluate(visitor, course_id).status_code == 303


async def _snapshot(db: Any) -> list[tuple[Any, ...]]:
    rows = await db.execute(
        select(Evaluation.user_id, Evaluation.treatment_id, Evaluation.evaluated_on,
               Evaluation.adherence, Evaluation.burden, Evaluation.cost,
               Evaluation.side_effect_severity, EvaluationEffect.effectiveness)
        .join(EvaluationEffect, EvaluationEffect.evaluation_id == Evaluation.id)
        .order_by(Evaluation.user_id, Evaluation.evaluated_on, Evaluation.treatment_id,
                  Evaluation.id)
    )
    return sorted(tuple(r) for r in rows)
