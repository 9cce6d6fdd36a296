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

from community.communities.demo_content import ALSO_TREATED, TOPICS
from community.db import utcnow
from community.demo import bulk_insert, plan_for
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
TIPS_RU = [
    "Принимаю в одно и то же время каждый день, так проще не забывать.",
    "Первые недели были самыми трудными, потом стало легче.",
    "Дневник самочувствия очень помогает на приёме у врача.",
]
# Usual doses: slug -> ((amount, unit, frequency, weight), ...). Treatments without an entry
# are recorded without a dose (therapies, exercise, infusions given in clinic).
DOSES: dict[str, tuple[tuple[str, str, str, float], ...]] = {
    "metformin": (("500", "mg", "twice_daily", 0.35), ("1000", "mg", "twice_daily", 0.35),
                  ("500", "mg", "once_daily", 0.15), ("850", "mg", "twice_daily", 0.15)),
    "semaglutide": (("0.5", "mg", "weekly", 0.4), ("1", "mg", "weekly", 0.45),
                    ("0.25", "mg", "weekly", 0.15)),
    "empagliflozin": (("10", "mg", "once_daily", 0.7), ("25", "mg", "once_daily", 0.3)),
    "sitagliptin": (("100", "mg", "once_daily", 0.85), ("50", "mg", "once_daily", 0.15)),
    "insulin-glargine": (("10", "units", "once_daily", 0.3), ("20", "units", "once_daily", 0.4),
                         ("30", "units", "once_daily", 0.3)),
    "glipizide": (("5", "mg", "once_daily", 0.6), ("10", "mg", "once_daily", 0.4)),
    "levothyroxine": (("50", "mcg", "once_daily", 0.3), ("75", "mcg", "once_daily", 0.25),
                      ("100", "mcg", "once_daily", 0.3), ("125", "mcg", "once_daily", 0.15)),
    "sertraline": (("50", "mg", "once_daily", 0.45), ("100", "mg", "once_daily", 0.35),
                   ("25", "mg", "once_daily", 0.1), ("150", "mg", "once_daily", 0.1)),
    "escitalopram": (("10", "mg", "once_daily", 0.55), ("20", "mg", "once_daily", 0.3),
                     ("5", "mg", "once_daily", 0.15)),
    "fluoxetine": (("20", "mg", "once_daily", 0.65), ("40", "mg", "once_daily", 0.35)),
    "bupropion": (("150", "mg", "once_daily", 0.5), ("300", "mg", "once_daily", 0.5)),
    "venlafaxine": (("75", "mg", "once_daily", 0.5), ("150", "mg", "once_daily", 0.5)),
    "mirtazapine": (("15", "mg", "once_daily", 0.6), ("30", "mg", "once_daily", 0.4)),
    "methotrexate": (("15", "mg", "weekly", 0.4), ("20", "mg", "weekly", 0.35),
                     ("10", "mg", "weekly", 0.15), ("25", "mg", "weekly", 0.1)),
    "hydroxychloroquine": (("200", "mg", "twice_daily", 0.5), ("200", "mg", "once_daily", 0.3),
                           ("400", "mg", "once_daily", 0.2)),
    "adalimumab": (("40", "mg", "two_weeks", 1.0),),
    "etanercept": (("50", "mg", "weekly", 1.0),),
    "sulfasalazine": (("1000", "mg", "twice_daily", 1.0),),
    "tofacitinib": (("5", "mg", "twice_daily", 1.0),),
    "prednisone": (("5", "mg", "once_daily", 0.6), ("7.5", "mg", "once_daily", 0.2),
                   ("10", "mg", "once_daily", 0.2)),
    "levetiracetam": (("500", "mg", "twice_daily", 0.4), ("750", "mg", "twice_daily", 0.3),
                      ("1000", "mg", "twice_daily", 0.3)),
    "lamotrigine": (("100", "mg", "twice_daily", 0.35), ("200", "mg", "once_daily", 0.35),
                    ("150", "mg", "twice_daily", 0.3)),
    "valproate": (("500", "mg", "twice_daily", 1.0),),
    "carbamazepine": (("200", "mg", "twice_daily", 1.0),),
    "lacosamide": (("100", "mg", "twice_daily", 0.6), ("200", "mg", "twice_daily", 0.4)),
    "topiramate": (("25", "mg", "twice_daily", 0.5), ("50", "mg", "twice_daily", 0.5)),
    "lithium": (("400", "mg", "twice_daily", 0.4), ("800", "mg", "once_daily", 0.3),
                ("600", "mg", "once_daily", 0.3)),
    "quetiapine": (("50", "mg", "once_daily", 0.3), ("100", "mg", "once_daily", 0.3),
                   ("300", "mg", "once_daily", 0.4)),
    "aripiprazole": (("10", "mg", "once_daily", 0.6), ("15", "mg", "once_daily", 0.4)),
    "olanzapine": (("10", "mg", "once_daily", 1.0),),
    "riluzole": (("50", "mg", "twice_daily", 1.0),),
    "baclofen": (("10", "mg", "three_daily", 0.6), ("20", "mg", "three_daily", 0.4)),
    "ocrelizumab": (("600", "mg", "six_months", 1.0),),
    "dimethyl-fumarate": (("240", "mg", "twice_daily", 1.0),),
    "glatiramer-acetate": (("20", "mg", "once_daily", 0.4), ("40", "mg", "other", 0.6)),
    "fingolimod": (("0.5", "mg", "once_daily", 1.0),),
    "levodopa-carbidopa": (("100", "mg", "three_daily", 0.5), ("100", "mg", "four_daily", 0.3),
                           ("200", "mg", "three_daily", 0.2)),
    "pramipexole": (("0.25", "mg", "three_daily", 0.4), ("0.5", "mg", "three_daily", 0.3),
                    ("1", "mg", "three_daily", 0.3)),
    "rasagiline": (("1", "mg", "once_daily", 1.0),),
    "amantadine": (("100", "mg", "twice_daily", 1.0),),
    "sumatriptan": (("50", "mg", "other", 0.5), ("100", "mg", "other", 0.5)),
    "rizatriptan": (("10", "mg", "other", 1.0),),
    "erenumab": (("70", "mg", "monthly", 0.5), ("140", "mg", "monthly", 0.5)),
    "propranolol": (("40", "mg", "twice_daily", 0.6), ("80", "mg", "once_daily", 0.4)),
    "amitriptyline": (("10", "mg", "once_daily", 0.5), ("25", "mg", "once_daily", 0.5)),
    "duloxetine": (("30", "mg", "once_daily", 0.4), ("60", "mg", "once_daily", 0.6)),
    "pregabalin": (("75", "mg", "twice_daily", 0.5), ("150", "mg", "twice_daily", 0.5)),
    "albuterol": (("2", "puffs", "other", 1.0),),
    "tiotropium": (("2", "puffs", "once_daily", 1.0),),
    "budesonide-formoterol": (("2", "puffs", "twice_daily", 1.0),),
    "fluticasone-umeclidinium-vilanterol": (("1", "puffs", "once_daily", 1.0),),
    "furosemide": (("40", "mg", "once_daily", 0.6), ("20", "mg", "once_daily", 0.4)),
    "sacubitril-valsartan": (("49", "mg", "twice_daily", 0.5), ("97", "mg", "twice_daily", 0.5)),
    "bisoprolol": (("2.5", "mg", "once_daily", 0.4), ("5", "mg", "once_daily", 0.4),
                   ("10", "mg", "once_daily", 0.2)),
    "dapagliflozin": (("10", "mg", "once_daily", 1.0),),
    "spironolactone": (("25", "mg", "once_daily", 1.0),),
    "carvedilol": (("6.25", "mg", "twice_daily", 0.5), ("12.5", "mg", "twice_daily", 0.5)),
    "tamoxifen": (("20", "mg", "once_daily", 1.0),),
    "letrozole": (("2.5", "mg", "once_daily", 1.0),),
    "anastrozole": (("1", "mg", "once_daily", 1.0),),
    "mycophenolate-mofetil": (("1000", "mg", "twice_daily", 1.0),),
    "azathioprine": (("100", "mg", "once_daily", 0.6), ("150", "mg", "once_daily", 0.4)),
    "budesonide": (("9", "mg", "once_daily", 1.0),),
    "bictegravir-emtricitabine-tenofovir-alafenamide": (("1", "tablets", "once_daily", 1.0),),
    "dolutegravir-lamivudine": (("1", "tablets", "once_daily", 1.0),),
    "dolutegravir": (("50", "mg", "once_daily", 1.0),),
    "cabotegravir-rilpivirine": (("600", "mg", "monthly", 1.0),),
    "amlodipine": (("5", "mg", "once_daily", 0.6), ("10", "mg", "once_daily", 0.4)),
    "lisinopril": (("10", "mg", "once_daily", 0.5), ("20", "mg", "once_daily", 0.5)),
    "losartan": (("50", "mg", "once_daily", 0.6), ("100", "mg", "once_daily", 0.4)),
    "hydrochlorothiazide": (("12.5", "mg", "once_daily", 0.5), ("25", "mg", "once_daily", 0.5)),
    "liothyronine": (("20", "mcg", "once_daily", 1.0),),
}
# Side effects people commonly report (catalogue side-effect slugs); others get a few drawn
# from the seed.
SIDE_EFFECTS: dict[str, tuple[str, ...]] = {
    "metformin": ("diarrhea", "nausea", "abdominal-pain", "bloating"),
    "semaglutide": ("nausea", "vomiting", "constipation", "loss-of-appetite"),
    "empagliflozin": ("urinary-frequency", "excessive-thirst", "dizziness"),
    "methotrexate": ("nausea", "fatigue", "hair-loss", "mouth-ulcers"),
    "sertraline": ("nausea", "insomnia", "low-libido", "headache"),
    "escitalopram": ("nausea", "low-libido", "excessive-daytime-sleepiness", "headache"),
    "levothyroxine": ("palpitations", "insomnia", "headache"),
    "hydroxychloroquine": ("nausea", "diarrhea", "headache"),
    "levodopa-carbidopa": ("nausea", "dyskinesia", "dizziness"),
    "levetiracetam": ("irritability", "fatigue", "mood-swings"),
    "lamotrigine": ("rash", "dizziness", "headache"),
    "lithium": ("tremor", "excessive-thirst", "weight-gain", "nausea"),
    "sumatriptan": ("chest-tightness", "dizziness", "fatigue"),
    "riluzole": ("nausea", "fatigue", "dizziness"),
    "tamoxifen": ("hot-flashes", "fatigue", "joint-pain"),
    "letrozole": ("joint-pain", "hot-flashes", "fatigue"),
    "furosemide": ("urinary-frequency", "dizziness", "cramps"),
    "albuterol": ("tremor", "palpitations", "headache"),
    "duloxetine": ("nausea", "dry-mouth", "insomnia"),
    "pregabalin": ("dizziness", "weight-gain", "excessive-daytime-sleepiness"),
    "bictegravir-emtricitabine-tenofovir-alafenamide": ("nausea", "headache", "diarrhea"),
    "adalimumab": ("fatigue", "headache", "rash"),
    "ocrelizumab": ("fatigue", "headache", "rash"),
}
# A share below this is left out of a treatment's character: reports of the most taken
# treatments then show full distributions rather than a tail of tiny counts.
SMALLEST_SHARE = 0.07
# Old generics cost little; biologics and new brands a lot (where insurance does not cover).
CHEAP = frozenset({
    "metformin", "levothyroxine", "sertraline", "escitalopram", "fluoxetine", "methotrexate",
    "hydroxychloroquine", "prednisone", "lithium", "furosemide", "amlodipine", "lisinopril",
    "losartan", "hydrochlorothiazide", "glipizide", "amitriptyline", "propranolol",
    "sumatriptan", "tamoxifen", "letrozole", "anastrozole", "bisoprolol", "carvedilol",
    "spironolactone", "valproate", "carbamazepine", "lamotrigine", "levetiracetam", "baclofen",
    "albuterol", "mirtazapine", "venlafaxine", "bupropion", "azathioprine", "sulfasalazine",
})
COSTLY = frozenset({
    "adalimumab", "etanercept", "infliximab", "ustekinumab", "vedolizumab", "ocrelizumab",
    "erenumab", "semaglutide", "belimumab", "trastuzumab", "tofacitinib", "fingolimod",
    "dimethyl-fumarate", "glatiramer-acetate", "sacubitril-valsartan", "edaravone",
    "cabotegravir-rilpivirine", "bictegravir-emtricitabine-tenofovir-alafenamide",
})
STOPPED_SHARE = 0.25


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


def _character(rng: random.Random, side_effect_ids: Sequence[int],
               known: Sequence[int] = (), slug: str = "") -> Character:
    works = rng.uniform(0.35, 0.85)
    harsh = rng.uniform(0.1, 0.6)
    pricey = rng.uniform(0, 1)
    if slug in CHEAP:
        pricey = pricey * 0.1
    elif slug in COSTLY:
        pricey = 0.8 + pricey * 0.2
    drawn = (tuple(known) if known
             else tuple(rng.sample(list(side_effect_ids), k=min(3, len(side_effect_ids)))))
    return Character(
        effect_weights=_cumulative(works * 0.6, 0.3, 0.2 + (1 - works) * 0.1,
                                   (1 - works) * 0.4, 0.08, smallest=0.1),
        severity_weights=_cumulative((1 - harsh) * 0.6, 0.35, harsh * 0.3, harsh * 0.1),
        adherence_weights=_cumulative(0.55, 0.3, 0.1 + harsh * 0.1, 0.03),
        burden_weights=_cumulative((1 - harsh) * 0.6, 0.3, harsh * 0.3, harsh * 0.15),
        cost_weights=_cumulative((1 - pricey) * 0.5, 0.2, 0.15, 0.1, pricey * 0.4, 0.08,
                                 smallest=0.1),
        side_effect_ids=drawn,
        # Few people stop a treatment: their reasons gather on the main ones.
        stop_weights=_cumulative(harsh, 1 - works, pricey * 0.5, 0.2, 0.15, 0.05,
                                 smallest=0.22),
    )


def _cumulative(*weights: float, smallest: float = SMALLEST_SHARE) -> tuple[float, ...]:
    """Cumulative weights, leaving out answers rarer than `smallest`."""
    total = sum(weights)
    return tuple(accumulate(w if w >= smallest * total else 0.0 for w in weights))


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


def _treatment_plan(rng: random.Random, conditions: Sequence[str]) -> list[tuple[str, str]]:
    """(condition slug, treatment slug) pairs for one patient, by how common each is."""
    chosen: list[tuple[str, str]] = []
    taken: set[str] = set()
    wanted = [(slug, TOPICS[slug].treatments) for slug in conditions if slug in TOPICS]
    for slug, (share, options) in ALSO_TREATED.items():
        if rng.random() < share:
            wanted.append((slug, options))
    for slug, options in wanted:
        mine = [t.slug for t in options if rng.random() < t.share][:3]
        if not mine:
            mine = [rng.choices(options, weights=[t.share for t in options])[0].slug]
        for treatment in mine:
            if treatment not in taken:
                taken.add(treatment)
                chosen.append((slug, treatment))
    return chosen


def _stopped_after(rng: random.Random) -> int:
    """Days a stopped course lasted: most stop in the first months, some after years."""
    return rng.choice((rng.randint(35, 180), rng.randint(35, 180), rng.randint(190, 360)))


async def load(session: AsyncSession, *, people: Sequence[Any], staff: Any = None, seed: int,
               evaluations_per_patient: int = 3, anchor: date | None = None) -> str:
    """Give every patient the treatments of their conditions, by prevalence, and rate them."""
    db = session
    await load_catalog(db)
    now = utcnow()
    anchor = anchor or now.date()
    rng = random.Random(seed)
    plan = plan_for(people, seed)
    conditions = {slug: cid for cid, slug in await db.execute(
        select(Condition.id, Condition.slug).order_by(Condition.id))}
    treatments = {slug: tid for tid, slug in await db.execute(
        select(Treatment.id, Treatment.slug).order_by(Treatment.id))}
    side_effects = {slug: sid for sid, slug in await db.execute(
        select(SideEffect.id, SideEffect.slug).order_by(SideEffect.id))}
    side_effect_ids = sorted(side_effects.values())
    characters = {
        tid: _character(random.Random(f"{seed}:{tid}"), side_effect_ids,
                        [side_effects[s] for s in SIDE_EFFECTS.get(slug, ()) if s in side_effects],
                        slug)
        for slug, tid in treatments.items()}

    course_id = await _next_id(db, TreatmentCourse)
    evaluation_id = await _next_id(db, Evaluation)
    courses: list[dict[str, Any]] = []
    purposes: list[dict[str, Any]] = []
    doses: list[dict[str, Any]] = []
    evaluations: list[dict[str, Any]] = []
    effects: list[dict[str, Any]] = []
    side_effect_rows: list[dict[str, Any]] = []
    total_courses = total_evaluations = 0

    async def flush() -> None:
        for model, rows in ((TreatmentCourse, courses), (CoursePurpose, purposes),
                            (DosePeriod, doses), (Evaluation, evaluations),
                            (EvaluationEffect, effects), (EvaluationSideEffect, side_effect_rows)):
            await _bulk(db, model, rows)

    for number, person in enumerate(people, start=1):
        mine = plan[person.id]
        pairs = [(c, t) for c, t in _treatment_plan(rng, mine.conditions)
                 if c in conditions and t in treatments]
        person_courses: list[tuple[int, int, int, date, date | None]] = []
        for condition_slug, treatment_slug in pairs:
            treatment_id = treatments[treatment_slug]
            character = characters[treatment_id]
            since = max(60, (anchor.year - mine.diagnosed_year) * 365)
            # Some started within the tracked months, so their charts show the change.
            started_on = anchor - timedelta(days=rng.randint(45, 100) if rng.random() < 0.15
                                            else rng.randint(45, min(since, 2500)))
            stopped_on = None
            stop_reason = None
            if rng.random() < STOPPED_SHARE:
                stopped_on = min(started_on + timedelta(days=_stopped_after(rng)),
                                 anchor - timedelta(days=1))
                stop_reason = _pick(rng, STOP_REASON, character.stop_weights)
            courses.append({"id": course_id, "user_id": person.id, "treatment_id": treatment_id,
                            "started_on": started_on, "stopped_on": stopped_on,
                            "stop_reason": stop_reason,
                            "stop_reason_other": "moved" if stop_reason == "other" else "",
                            "created_at": now})
            purposes.append({"course_id": course_id,
                             "condition_id": conditions[condition_slug]})
            options = DOSES.get(treatment_slug)
            dose = rng.choices(options, weights=[o[3] for o in options])[0] if options else None
            doses.append({"course_id": course_id, "started_on": started_on,
                          "amount": Decimal(dose[0]) if dose else None,
                          "unit": dose[1] if dose else "",
                          "frequency": dose[2] if dose else "",
                          "as_needed": dose is not None and dose[2] == "other"})
            person_courses.append((course_id, treatment_id, conditions[condition_slug],
                                   started_on, stopped_on))
            course_id += 1
        if not person_courses:
            continue
        for _n in range(evaluations_per_patient):
            cid, treatment_id, condition_id, started_on, stopped_on = rng.choice(person_courses)
            character = characters[treatment_id]
            last = stopped_on or anchor
            severity = _pick(rng, SIDE_EFFECT_SEVERITY, character.severity_weights)
            evaluations.append({
                "id": evaluation_id, "course_id": cid, "user_id": person.id,
                "treatment_id": treatment_id,
                "evaluated_on": started_on + timedelta(
                    days=rng.randint(min(28, (last - started_on).days),
                                     max(0, (last - started_on).days))),
                "side_effect_severity": severity,
                "adherence": _pick(rng, ADHERENCE, character.adherence_weights),
                "burden": _pick(rng, BURDEN, character.burden_weights),
                "cost": _pick(rng, COST, character.cost_weights),
                "tip": (rng.choice(TIPS_RU if mine.russian else TIPS)
                        if rng.random() < 0.1 else ""),
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
                                                 k=min(len(character.side_effect_ids),
                                                       rng.randint(1, 2))):
                    side_effect_rows.append({"evaluation_id": evaluation_id,
                                             "side_effect_id": side_effect_id})
            evaluation_id += 1
            total_evaluations += 1
        total_courses += len(person_courses)
        if number % PEOPLE_PER_CHUNK == 0:
            await flush()
    await flush()
    await _advance_sequences(db, [TreatmentCourse, Evaluation])
    await rebuild_summaries(db)
    proposed = await _propose_missing_terms(db, people)
    return (f"{total_courses} treatment courses and {total_evaluations} evaluations; "
            f"{proposed} missing terms proposed")


# Terms patients looked for and did not find, waiting for a moderator's decision (the
# administrator's and moderators' homes show them).
MISSING_TERMS = (
    ("symptom", "Brain zaps", "Electric-shock feelings when a dose of my antidepressant is late."),
    ("treatment", "Cold water swimming", "Several of us in the migraine group do it; could it "
                                         "be listed so we can rate it?"),
    ("side_effect", "Metallic taste", "Started with my new tablets."),
)


async def _propose_missing_terms(db: AsyncSession, people: Sequence[Any]) -> int:
    """Terms the catalog lacks, proposed by the first patients (one already known is skipped)."""
    from community.errors import FormErrors
    from outcomes.catalog.services import propose_term

    proposed = 0
    for person, (kind, name, note) in zip(people, MISSING_TERMS, strict=False):
        try:
            await propose_term(db, person, kind=kind, name=name, note=note)
        except FormErrors:
            continue
        proposed += 1
    return proposed
