"""Demo tracking data: symptoms, check-ins and questionnaire answers with plausible shapes.

Deterministic per seed; bulk inserts (COPY on PostgreSQL) a chunk of people at a time;
summaries rebuilt once at the end. Needs the catalog loaded first (conditions and symptoms).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.communities.demo_content import TOPICS
from community.db import utcnow
from community.demo import bulk_insert, plan_for
from outcomes.catalog.models import Condition, Symptom
from outcomes.tracking.models import CheckIn, QuestionnaireAnswer, SymptomEntry
from outcomes.tracking.scoring import QuestionnaireDefinition, score
from outcomes.tracking.services import questionnaires, rebuild_symptom_summaries
from outcomes.treatments.models import TreatmentCourse

DAYS = 120
PEOPLE_PER_CHUNK = 5000
# Most days are like the day before: a step down, none or up (weights 2, 6, 2, cumulated).
STEPS = (-1, 0, 1)
STEP_WEIGHTS = (2, 8, 10)
SEVERITY_WEIGHTS = (1, 5, 8, 10)
NOTES = ["", "", "", "Slept badly.", "Good walk today.", "Tired after work.",
         "Busy but fine.", "Worse in the evening.", "Felt more like myself."]
NOTES_RU = ["", "", "", "Плохо спала.", "Хорошо погуляла.", "Устала после работы.",
            "Много дел, но в целом нормально.", "К вечеру хуже.", "Почти как раньше."]
# Conditions whose members fill in PHQ-9 and GAD-7 as a matter of course.
MOOD_CONDITIONS = frozenset({"major-depressive-disorder", "bipolar-disorder", "fibromyalgia"})


def _walk(rng: random.Random, value: int, low: int, high: int) -> int:
    """One step of a sticky random walk: most days are like the day before."""
    step = rng.choices(STEPS, cum_weights=STEP_WEIGHTS)[0]
    return min(high, max(low, value + step))


def _answer_codes(definition: QuestionnaireDefinition) -> list[tuple[str, list[str]]]:
    """Each scored item's link id and its answer codes from the lowest score up."""
    return [(item.link_id, [o.code for o in sorted(item.options, key=lambda o: o.score or 0)])
            for item in definition.items if item.is_scored]


def _answers(
    rng: random.Random, codes: list[tuple[str, list[str]]], burden: float
) -> dict[str, str]:
    """Answers drawn around a latent burden in [0, 1]; higher burden, higher item scores."""
    answers = {}
    for link_id, ordered in codes:
        top = len(ordered) - 1
        position = min(top, max(0, round(rng.gauss(burden * top, 0.8))))
        answers[link_id] = ordered[position]
    if "phq9-9" in answers and rng.random() > 0.08:
        answers["phq9-9"] = "LA6568-5"  # thoughts of self-harm are rarer than other items
    return answers


def _relief(day: date, started: date | None) -> float:
    """How much a treatment started on `started` has eased things by `day` (0 to 1)."""
    if started is None or day < started:
        return 0.0
    return min(1.0, (day - started).days / 42)


def _flares(rng: random.Random, start: date) -> list[tuple[date, date]]:
    """Zero to two flares of one to two weeks within the tracked months."""
    spans = []
    for _n in range(rng.choice((0, 1, 1, 2))):
        begin = start + timedelta(days=rng.randint(0, DAYS - 10))
        spans.append((begin, begin + timedelta(days=rng.randint(6, 14))))
    return spans


def _in_flare(day: date, flares: list[tuple[date, date]]) -> bool:
    return any(begin <= day <= end for begin, end in flares)


async def _recent_starts(session: AsyncSession, since: date) -> dict[int, date]:
    """Each person's most recent treatment start within the tracked months."""
    rows = await session.execute(
        select(TreatmentCourse.user_id, func.max(TreatmentCourse.started_on))
        .where(TreatmentCourse.started_on >= since).group_by(TreatmentCourse.user_id))
    return {user_id: started for user_id, started in rows}


async def load(session: AsyncSession, *, people: Sequence[Any], staff: Any, seed: int) -> str:
    """Bulk-create tracking data for the demo patients; returns a one-line summary.

    Symptoms come from each patient's conditions; severities, check-ins and questionnaire
    scores ease in the weeks after a treatment starts and worsen during flares.
    """
    rng = random.Random(seed * 7919 + 17)
    symptoms_by_slug = {slug: sid for sid, slug in await session.execute(
        select(Symptom.id, Symptom.slug).order_by(Symptom.id))}
    conditions_by_slug = {slug: cid for cid, slug in await session.execute(
        select(Condition.id, Condition.slug).order_by(Condition.id))}
    if not symptoms_by_slug or not conditions_by_slug:
        return "tracking: skipped (load the catalog first)"
    plan = plan_for(people, seed)
    definitions = questionnaires()
    codes = {definition.id: _answer_codes(definition) for definition in definitions.values()}
    today = utcnow().date()
    start = today - timedelta(days=DAYS)
    recent = await _recent_starts(session, start)
    symptoms: list[dict[str, Any]] = []
    check_ins: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    counts = {"symptoms": 0, "check_ins": 0, "answers": 0}

    async def flush() -> None:
        for key, model, rows in (("symptoms", SymptomEntry, symptoms),
                                 ("check_ins", CheckIn, check_ins),
                                 ("answers", QuestionnaireAnswer, answers)):
            counts[key] += await bulk_insert(session, model, rows)
            rows.clear()

    for number, person in enumerate(people, start=1):
        mine = plan[person.id]
        main = mine.conditions[0]
        topic = TOPICS.get(main)
        condition_id = conditions_by_slug.get(main)
        started = recent.get(person.id)
        flares = _flares(rng, start)
        if topic is not None and rng.random() < 0.7:
            own = [symptoms_by_slug[s.slug] for s in topic.symptoms if s.slug in symptoms_by_slug]
            for symptom_id in rng.sample(own, k=min(len(own), rng.randint(2, 4))):
                base = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
                wobble = 0
                day = start + timedelta(days=rng.randint(0, 20))
                while day <= today:
                    wobble = _walk(rng, wobble, -1, 1)
                    level = (base + wobble + (1 if _in_flare(day, flares) else 0)
                             - round(1.5 * _relief(day, started)))
                    symptoms.append({"user_id": person.id, "symptom_id": symptom_id,
                                     "condition_id": condition_id if rng.random() < 0.9
                                     else None,
                                     "severity": min(3, max(0, level)), "recorded_on": day})
                    day += timedelta(days=rng.randint(3, 10))
        if rng.random() < 0.5:
            base = rng.choice((2, 3, 3, 4))
            wobble = 0
            notes = NOTES_RU if mine.russian else NOTES
            for offset in range(DAYS):
                if rng.random() < 0.45:
                    day = start + timedelta(days=offset)
                    wobble = _walk(rng, wobble, -1, 1)
                    level = (base + wobble - (1 if _in_flare(day, flares) else 0)
                             + round(1.5 * _relief(day, started)))
                    check_ins.append({"user_id": person.id, "recorded_on": day,
                                      "level": min(5, max(1, level)), "note": rng.choice(notes)})
        mood = main in MOOD_CONDITIONS or rng.random() < 0.15
        if mood or main == "multiple-sclerosis" or rng.random() < 0.1:
            burden = rng.betavariate(4, 4) if mood else rng.betavariate(2, 4)
            chosen = [d for d in definitions.values()
                      if (d.id == "mfis") == (main == "multiple-sclerosis") or
                      (d.id != "mfis" and mood)]
            for definition in chosen:
                day = start + timedelta(days=rng.randint(0, 20))
                while day <= today:
                    drift = min(1.0, max(0.0, burden + rng.gauss(0, 0.05)
                                         + (0.2 if _in_flare(day, flares) else 0.0)
                                         - 0.35 * _relief(day, started)))
                    given = _answers(rng, codes[definition.id], drift)
                    result = score(definition, given)
                    answers.append({
                        "user_id": person.id, "questionnaire_id": definition.id,
                        "questionnaire_version": definition.version, "answers": given,
                        "total": float(result.total), "band_code": result.band_code,
                        "flags": list(result.flags), "subscales": dict(result.subscales),
                        "authored_at": datetime.combine(day, time(rng.randint(7, 21)), UTC),
                    })
                    day += timedelta(days=rng.randint(14, 30))
        if number % PEOPLE_PER_CHUNK == 0:
            await flush()
    await flush()
    await rebuild_symptom_summaries(session)
    return (f"tracking: {counts['symptoms']} symptom reports, {counts['check_ins']} check-ins, "
            f"{counts['answers']} questionnaires")
