"""A varied, deterministic population of patients for report tests (own data, not the demo).

People with profiles (age band, sex, a condition with its diagnosis year), courses of a
few treatments for one or two conditions, doses, evaluations with varied answers, some
stopped courses with reasons; then the summaries are rebuilt as after a bulk load.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.communities.models import Community
from community.profiles.models import AGE_BANDS, Profile, ProfileCondition
from outcomes.catalog.models import Condition, SideEffect, Treatment
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


def _weighted(rng: random.Random, options: list[str], weights: list[float]) -> str:
    return rng.choices(options, weights=weights)[0]


async def seed_population(db: AsyncSession, *, patients: int, seed: int = 1,
                          treatments: dict[str, float] | None = None,
                          conditions: tuple[str, ...] = ("type-2-diabetes",),
                          prefix: str = "pop") -> None:
    """`patients` people, each taking one of `treatments` (slug: weight) for one of
    `conditions`; profiles and answers drawn from a seeded generator."""
    rng = random.Random(seed)
    treatments = treatments or {"metformin": 1.0}
    by_slug = {t.slug: t for t in (await db.scalars(
        select(Treatment).where(Treatment.slug.in_(list(treatments))))).all()}
    condition_rows = {c.slug: c for c in (await db.scalars(
        select(Condition).where(Condition.slug.in_(conditions)))).all()}
    communities = {}
    for slug, condition in condition_rows.items():
        community = await db.scalar(select(Community).where(Community.condition_slug == slug))
        if community is None:
            community = Community(slug=f"{slug}-{prefix}", name=condition.name, icd10="E11",
                                  condition_slug=slug)
            db.add(community)
            await db.flush()
        communities[slug] = community
    side_effects = (await db.scalars(select(SideEffect).order_by(SideEffect.id).limit(6))).all()
    effectiveness = [v for v, _l in scales.EFFECTIVENESS.options()]
    for index in range(patients):
        name = f"{prefix}{seed}x{index}"
        user_id = (await db.execute(insert(User).returning(User.id), [{
            "username": name, "username_key": name, "email": f"{name}@example.org",
            "password_hash": "!"}])).scalar_one()
        condition_slug = _weighted(rng, list(conditions), [3] + [1] * (len(conditions) - 1))
        condition = condition_rows[condition_slug]
        if rng.random() < 0.9:
            await db.execute(insert(Profile), [{
                "user_id": user_id, "sex": _weighted(rng, ["female", "male", "intersex"],
                                                     [50, 48, 2]),
                "age_band": None if rng.random() < 0.08 else
                _weighted(rng, list(AGE_BANDS), [3, 6, 10, 14, 16, 12, 6, 2])}])
            if rng.random() < 0.85:
                await db.execute(insert(ProfileCondition), [{
                    "user_id": user_id, "community_id": communities[condition_slug].id,
                    "diagnosed_year": None if rng.random() < 0.1 else
                    date.today().year - rng.choice([0, 1, 3, 6, 12])}])
        slug = _weighted(rng, list(treatments), list(treatments.values()))
        treatment = by_slug[slug]
        started = date(2024, 1, 1) + timedelta(days=rng.randrange(300))
        stopped = started + timedelta(days=rng.choice([20, 90, 250, 500])) \
            if rng.random() < 0.3 else None
        course_id = (await db.execute(insert(TreatmentCourse).returning(TreatmentCourse.id), [{
            "user_id": user_id, "treatment_id": treatment.id, "started_on": started,
            "stopped_on": stopped,
            "stop_reason": _weighted(rng, ["side_effects", "didnt_work", "cost", "other"],
                                     [4, 3, 1, 1]) if stopped else None}])).scalar_one()
        await db.execute(insert(CoursePurpose), [{"course_id": course_id,
                                                  "condition_id": condition.id}])
        await db.execute(insert(DosePeriod), [{
            "course_id": course_id, "started_on": started,
            "amount": rng.choice([500, 1000, 1000, 2000]), "unit": "mg",
            "frequency": rng.choice(["once_daily", "twice_daily"]), "as_needed": False}])
        if rng.random() < 0.85:
            evaluation_id = (await db.execute(insert(Evaluation).returning(Evaluation.id), [{
                "course_id": course_id, "user_id": user_id, "treatment_id": treatment.id,
                "evaluated_on": started + timedelta(days=30),
                "side_effect_severity": _weighted(rng, ["none", "mild", "moderate", "severe"],
                                                  [4, 6, 3, 1]),
                "adherence": _weighted(rng, ["always", "usually", "sometimes", "never"],
                                       [8, 5, 2, 1]),
                "burden": _weighted(rng, ["not_at_all", "a_little", "somewhat", "very"],
                                    [6, 5, 2, 1]),
                "cost": _weighted(rng, ["under_25", "25_49", "50_99", "dont_know"], [6, 3, 1, 2]),
                "tip": "", "visibility": "members"}])).scalar_one()
            await db.execute(insert(EvaluationEffect), [{
                "evaluation_id": evaluation_id, "purpose": f"condition:{condition.id}",
                "condition_id": condition.id,
                "effectiveness": _weighted(rng, effectiveness, [4, 6, 3, 2, 1])}])
            for side_effect in rng.sample(list(side_effects), rng.choice([0, 1, 1, 2])):
                await db.execute(insert(EvaluationSideEffect), [{
                    "evaluation_id": evaluation_id, "side_effect_id": side_effect.id}])
    await rebuild_summaries(db)
