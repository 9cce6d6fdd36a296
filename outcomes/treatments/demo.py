"""Deterministic synthetic treatment courses and evaluations (development and benchmarks).

Each treatment gets its own character from the seed (how well it works, how hard it is
to take, what it costs, which side effects it brings), so reports look plausible and
differ between treatments. Rows go in with bulk inserts (COPY on PostgreSQL) and explicit
ids, a chunk of people at a time; the summaries are computed once at the end by one rebuild.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from community.db import utcnow
from community.demo import bulk_insert
from outcomes.catalog.models import Condition, SideEffect, Treatment
from outcomes.catalog.services import load_catalog
from outcomes.reports.summaries import rebuild_summaries
from outcomes.treatments import scales
from outcomes.treatments.models import (
    CoursePurpose,
    DosePeriod,
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
)

PEOPLE_PER_CHUNK = 5000
TIPS = [
    "Taking it at the same time every day helped me remember.",
    "The first weeks were the hardest; it got easier.",
    "Ask about a patient assistance programme if the cost is a problem.",
    "Taking it with food helped with the nausea.",
    "Keep a diary of how you feel; it helps at appointments.",
]
DOSES = {"mg": ["5", "10", "20", "25", "50", "100", "200"], "mcg": ["25", "50", "100"],
         "ml": ["1", "2.5", "5"], "units": ["10", "20", "40"]}


@dataclass(frozen=True)
class Character:
    """How a treatment tends to be rated; drawn once per treatment from the seed.

    The weights are cumulative (what `random.choices` computes from plain weights on
    every call, so the draws are the same, only cheaper).
    """

    effect_weights: tuple[float, ...]
    severity_weights: tuple[float, ...]
    adherence_weights: tuple[float, ...]
    burden_weights: tuple[float, ...]
    cost_weights: tuple[float, ...]
    side_effect_ids: tuple[int, ...]
    stop_weights: tuple[float, ...]


def _character(rng: random.Random, side_effect_ids: Sequence[int]) -> Character:
    works = rng.uniform(0.15, 0.85)
    harsh = rng.uniform(0.1, 0.8)
    pricey = rng.uniform(0, 1)
    return Character(
        effect_weights=_cumulative(works * 0.6, 0.3, 0.2 + (1 - works) * 0.1,
                                   (1 - works) * 0.4, 0.08),
        severity_weights=_cumulative((1 - harsh) * 0.6, 0.35, harsh * 0.3, harsh * 0.1),
        adherence_weights=_cumulative(0.55, 0.3, 0.1 + harsh * 0.1, 0.03),
        burden_weights=_cumulative((1 - harsh) * 0.6, 0.3, harsh * 0.3, harsh * 0.15),
        cost_weights=_cumulative((1 - pricey) * 0.5, 0.2, 0.15, 0.1, pricey * 0.4, 0.08),
        side_effect_ids=tuple(rng.sample(list(side_effect_ids), k=min(6, len(side_effect_ids)))),
        stop_weights=_cumulative(harsh, 1 - works, pricey * 0.5, 0.2, 0.15, 0.05),
    )


def _cumulative(*weights: float) -> tuple[float, ...]:
    return tuple(accumulate(weights))


VISIBILITY_WEIGHTS = _cumulative(0.3, 0.6, 0.1)
# The scales' values, looked up once rather than for each of millions of draws.
STOP_REASON = scales.STOP_REASON.values
SIDE_EFFECT_SEVERITY = scales.SIDE_EFFECT_SEVERITY.values
ADHERENCE = scales.ADHERENCE.values
BURDEN = scales.BURDEN.values
COST = scales.COST.values
EFFECTIVENESS = scales.EFFECTIVENESS.values
VISIBILITY = scales.VISIBILITY.values


async def _next_id(db: AsyncSession, model: Any) -> int:
    return int(await db.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


async def _bulk(db: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert and forget a chunk (in the session's transaction)."""
    await bulk_insert(db, model, rows)
    rows.clear()


async def _advance_sequences(db: AsyncSession, models: Sequence[Any]) -> None:
    """Explicit ids bypass PostgreSQL's sequences; move them past what was inserted."""
    if db.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        await db.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - table names are ours
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))


def _pick(rng: random.Random, values: Sequence[str], cum_weights: Sequence[float]) -> str:
    return rng.choices(values, cum_weights=cum_weights)[0]


async def load(session: AsyncSession, *, people: Sequence[Any], staff: Any = None, seed: int,
               evaluations_per_patient: int = 3, anchor: date | None = None) -> str:
    """Give every patient one to three treatments for a condition, and rate them."""
    db = session
    await load_catalog(db)
    now = utcnow()
    anchor = anchor or now.date()
    rng = random.Random(seed)
    conditions = {slug: cid for cid, slug in await db.execute(
        select(Condition.id, Condition.slug).order_by(Condition.id))}
    side_effect_ids = (await db.scalars(select(SideEffect.id).order_by(SideEffect.id))).all()
    by_condition: dict[str, list[tuple[int, list[str]]]] = {}
    for tid, units, condition_slugs in await db.execute(
        select(Treatment.id, Treatment.common_units, Treatment.condition_slugs)
        .order_by(Treatment.id)
    ):
        for slug in condition_slugs:
            if slug in conditions:
                by_condition.setdefault(slug, []).append((tid, list(units)))
    condition_slugs = sorted(by_condition)
    # A few conditions are common and most are rare, as in a real community.
    condition_weights = _cumulative(*(1 / (rank + 1) for rank in range(len(condition_slugs))))
    characters = {tid: _character(random.Random(f"{seed}:{tid}"), side_effect_ids)
                  for options in by_condition.values() for tid, _units in options}

    course_id = await _next_id(db, TreatmentCourse)
    evaluation_id = await _next_id(db, Evaluation)
    courses: list[dict[str, Any]] = []
    purposes: list[dict[str, Any]] = []
    doses: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    effects: list[dict[str, Any]] = []
    side_effects: list[dict[str, Any]] = []
    total_courses = total_evaluations = 0

    async def flush() -> None:
        for model, rows in ((TreatmentCourse, courses), (CoursePurpose, purposes),
                            (DosePeriod, doses), (Evaluation, evaluations),
                            (EvaluationEffect, effects), (EvaluationSideEffect, side_effects)):
            await _bulk(db, model, rows)

    for number, person in enumerate(people, start=1):
        condition_slug = rng.choices(condition_slugs, cum_weights=condition_weights)[0]
        condition_id = conditions[condition_slug]
        options = by_condition[condition_slug]
        chosen = rng.sample(options, k=min(len(options), rng.randint(1, 3)))
        person_courses: list[tuple[int, int, date, date | None]] = []
        for treatment_id, units in chosen:
            character = characters[treatment_id]
            started_on = anchor - timedelta(days=rng.randint(60, 1500))
            stopped_on = None
            stop_reason = None
            if rng.random() < 0.3:
                stopped_on = started_on + timedelta(days=rng.randint(14, 700))
                stopped_on = min(stopped_on, anchor - timedelta(days=1))
                stop_reason = _pick(rng, STOP_REASON, character.stop_weights)
            courses.append({"id": course_id, "user_id": person.id, "treatment_id": treatment_id,
                            "started_on": started_on, "stopped_on": stopped_on,
                            "stop_reason": stop_reason,
                            "stop_reason_other": "moved" if stop_reason == "other" else "",
                            "created_at": now})
            purposes.append({"course_id": course_id, "condition_id": condition_id})
            unit = next((u for u in units if u in DOSES), "")
            doses.append({"course_id": course_id, "started_on": started_on,
                          "amount": Decimal(rng.choice(DOSES[unit])) if unit else None,
                          "unit": unit, "frequency": rng.choice(["once_daily", "twice_daily",
                                                                 "weekly"]) if unit else "",
                          "as_needed": rng.random() < 0.05})
            person_courses.append((course_id, treatment_id, started_on, stopped_on))
            course_id += 1
        for _n in range(evaluations_per_patient):
            cid, treatment_id, started_on, stopped_on = rng.choice(person_courses)
            character = characters[treatment_id]
            last = stopped_on or anchor
            severity = _pick(rng, SIDE_EFFECT_SEVERITY,
                             character.severity_weights)
            evaluations.append({
                "id": evaluation_id, "course_id": cid, "user_id": person.id,
                "treatment_id": treatment_id,
                "evaluated_on": started_on + timedelta(
                    days=rng.randint(0, max(0, (last - started_on).days))),
                "side_effect_severity": severity,
                "adherence": _pick(rng, ADHERENCE, character.adherence_weights),
                "burden": _pick(rng, BURDEN, character.burden_weights),
                "cost": _pick(rng, COST, character.cost_weights),
                "tip": rng.choice(TIPS) if rng.random() < 0.1 else "",
                "tip_status": "published",
                "visibility": _pick(rng, VISIBILITY, VISIBILITY_WEIGHTS),
                "created_at": now, "updated_at": now,
            })
            effects.append({"evaluation_id": evaluation_id,
                            "purpose": f"condition:{condition_id}",
                            "condition_id": condition_id,
                            "effectiveness": _pick(rng, EFFECTIVENESS,
                                                   character.effect_weights)})
            if severity != "none":
                for side_effect_id in rng.sample(character.side_effect_ids,
                                                 k=rng.randint(1, 2)):
                    side_effects.append({"evaluation_id": evaluation_id,
                                         "side_effect_id": side_effect_id})
            evaluation_id += 1
            total_evaluations += 1
        total_courses += len(person_courses)
        if number % PEOPLE_PER_CHUNK == 0:
            await flush()
    await flush()
    await _advance_sequences(db, [TreatmentCourse, Evaluation])
    await rebuild_summaries(db)
    return f"{total_courses} treatment courses and {total_evaluations} evaluations"
