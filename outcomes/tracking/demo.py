"""Demo tracking data: symptoms, check-ins and questionnaire answers with plausible shapes.

Deterministic per seed; bulk inserts (COPY on PostgreSQL) a chunk of people at a time;
summaries rebuilt once at the end. Needs the catalog loaded first (conditions and symptoms).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community.db import utcnow
from community.demo import bulk_insert
from outcomes.catalog.models import Condition, Symptom
from outcomes.tracking.models import CheckIn, QuestionnaireAnswer, SymptomEntry
from outcomes.tracking.scoring import QuestionnaireDefinition, score
from outcomes.tracking.services import questionnaires, rebuild_symptom_summaries

DAYS = 120
PEOPLE_PER_CHUNK = 5000
# Most days are like the day before: a step down, none or up (weights 2, 6, 2, cumulated).
STEPS = (-1, 0, 1)
STEP_WEIGHTS = (2, 8, 10)
SEVERITY_WEIGHTS = (1, 5, 8, 10)
NOTES = ["", "", "", "Slept badly.", "Good walk today.", "Tired after work.",
         "Busy but fine.", "Pain in the evening.", "Felt more like myself."]


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


async def load(session: AsyncSession, *, people: Sequence[Any], staff: Any, seed: int) -> str:
    """Bulk-create tracking data for the demo patients; returns a one-line summary."""
    rng = random.Random(seed * 7919 + 17)
    symptom_ids = list(await session.scalars(select(Symptom.id).order_by(Symptom.id)))
    condition_ids = list(await session.scalars(select(Condition.id).order_by(Condition.id)))
    if not symptom_ids or not condition_ids:
        return "tracking: skipped (load the catalog first)"
    definitions = questionnaires()
    codes = {definition.id: _answer_codes(definition) for definition in definitions.values()}
    today = utcnow().date()
    start = today - timedelta(days=DAYS)
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
        condition_id = rng.choice(condition_ids)
        if rng.random() < 0.7:
            for symptom_id in rng.sample(symptom_ids, k=min(len(symptom_ids), rng.randint(1, 4))):
                severity = rng.choices((0, 1, 2, 3), cum_weights=SEVERITY_WEIGHTS)[0]
                related = condition_id if rng.random() < 0.8 else None
                day = start + timedelta(days=rng.randint(0, 20))
                while day <= today:
                    symptoms.append({"user_id": person.id, "symptom_id": symptom_id,
                                     "condition_id": related, "severity": severity,
                                     "recorded_on": day})
                    severity = _walk(rng, severity, 0, 3)
                    day += timedelta(days=rng.randint(3, 14))
        if rng.random() < 0.5:
            level = rng.randint(2, 4)
            for offset in range(DAYS):
                if rng.random() < 0.45:
                    level = _walk(rng, level, 1, 5)
                    check_ins.append({"user_id": person.id,
                                      "recorded_on": start + timedelta(days=offset),
                                      "level": level, "note": rng.choice(NOTES)})
        if rng.random() < 0.35:
            burden = rng.betavariate(2, 4)
            chosen = [d for d in definitions.values() if d.id != "mfis" or rng.random() < 0.3]
            for definition in chosen:
                day = start + timedelta(days=rng.randint(0, 30))
                while day <= today:
                    burden = min(1.0, max(0.0, burden + rng.gauss(0, 0.08)))
                    given = _answers(rng, codes[definition.id], burden)
                    result = score(definition, given)
                    answers.append({
                        "user_id": person.id, "questionnaire_id": definition.id,
                        "questionnaire_version": definition.version, "answers": given,
                        "total": float(result.total), "band_code": result.band_code,
                        "flags": list(result.flags), "subscales": dict(result.subscales),
                        "authored_at": datetime.combine(day, time(rng.randint(7, 21)), UTC),
                    })
                    day += timedelta(days=rng.randint(21, 40))
        if number % PEOPLE_PER_CHUNK == 0:
            await flush()
    await flush()
    await rebuild_symptom_summaries(session)
    return (f"tracking: {counts['symptoms']} symptom reports, {counts['check_ins']} check-ins, "
            f"{counts['answers']} questionnaires")
