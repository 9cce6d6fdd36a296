"""Independent oracles for maintained state: what the report summaries should hold, computed
with plain SQL `GROUP BY` over the raw rows, never with the code under test (in particular
not with `outcomes.reports.summaries.contribution`). The rules are restated from the
summaries' documentation:

- per treatment, a patient is current with an open course, former with only stopped ones;
- `evaluations` counts every evaluation of a patient who has a course of the treatment;
- purposes count patients per purpose of any of their courses; a condition purpose also
  counts the patient for that condition;
- answers, side effects and effectiveness come from the patient's latest evaluation
  (latest `evaluated_on`, then latest id); effectiveness for a condition the patient's
  courses treat also counts in that condition's evaluations and effect column;
- dose is the latest dose period of the latest course (latest `started_on`, then id);
  stop reason ("other" when none) and duration are the latest course's, former patients only;
- time on treatment: a former patient's latest course in days (never below 0), a current
  patient's latest open course by its start date.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

PAIRS = """
    SELECT user_id, treatment_id,
           SUM(CASE WHEN stopped_on IS NULL THEN 1 ELSE 0 END) AS open_courses
    FROM treatment_course GROUP BY user_id, treatment_id
"""

LATEST_EVALUATION = """
    SELECT * FROM (
        SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.user_id, e.treatment_id
                                       ORDER BY e.evaluated_on DESC, e.id DESC) AS rank
        FROM treatment_evaluation e
        WHERE EXISTS (SELECT 1 FROM treatment_course c
                      WHERE c.user_id = e.user_id AND c.treatment_id = e.treatment_id)
    ) ranked WHERE rank = 1
"""

LATEST_COURSE = """
    SELECT * FROM (
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.user_id, c.treatment_id
                                       ORDER BY c.started_on DESC, c.id DESC) AS rank
        FROM treatment_course c
    ) ranked WHERE rank = 1
"""

PURPOSE = """CASE WHEN p.condition_id IS NOT NULL
                  THEN 'condition:' || CAST(p.condition_id AS VARCHAR(20))
                  ELSE 'symptom:' || CAST(p.symptom_id AS VARCHAR(20)) END"""


async def _rows(db: AsyncSession, sql: str) -> list[Any]:
    return list((await db.execute(text(sql))).all())


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _amount(value: Any) -> str:
    if value is None:
        return ""
    return format(Decimal(str(value)).normalize(), "f")


async def expected_summaries(db: AsyncSession) -> dict[str, set[tuple[Any, ...]]]:
    """The shape `summary_state` returns, computed from the raw rows."""
    summary: Counter[tuple[Any, ...]] = Counter()
    answers: Counter[tuple[Any, ...]] = Counter()
    conditions: Counter[tuple[Any, ...]] = Counter()

    for treatment_id, column, count in await _rows(db, f"""
        SELECT treatment_id, CASE WHEN open_courses > 0 THEN 'current_patients'
                                  ELSE 'former_patients' END AS kind, COUNT(*)
        FROM ({PAIRS}) pairs GROUP BY treatment_id, kind"""):
        summary[treatment_id, column] += count
    for treatment_id, count in await _rows(db, """
        SELECT e.treatment_id, COUNT(*) FROM treatment_evaluation e
        WHERE EXISTS (SELECT 1 FROM treatment_course c
                      WHERE c.user_id = e.user_id AND c.treatment_id = e.treatment_id)
        GROUP BY e.treatment_id"""):
        summary[treatment_id, "evaluations"] += count

    for treatment_id, purpose, count in await _rows(db, f"""
        SELECT c.treatment_id, {PURPOSE} AS purpose, COUNT(DISTINCT c.user_id)
        FROM treatment_course c JOIN treatment_course_purpose p ON p.course_id = c.id
        GROUP BY c.treatment_id, purpose"""):
        answers[treatment_id, "purpose", purpose] += count
    for condition_id, treatment_id, count in await _rows(db, """
        SELECT p.condition_id, c.treatment_id, COUNT(DISTINCT c.user_id)
        FROM treatment_course c JOIN treatment_course_purpose p ON p.course_id = c.id
        WHERE p.condition_id IS NOT NULL GROUP BY p.condition_id, c.treatment_id"""):
        conditions[condition_id, treatment_id, "patients"] += count

    for question in ("side_effect_severity", "adherence", "burden", "cost"):
        for treatment_id, answer, count in await _rows(db, f"""
            SELECT treatment_id, {question}, COUNT(*) FROM ({LATEST_EVALUATION}) latest
            GROUP BY treatment_id, {question}"""):
            answers[treatment_id, question, answer] += count
    for treatment_id, side_effect_id, count in await _rows(db, f"""
        SELECT latest.treatment_id, s.side_effect_id, COUNT(*)
        FROM ({LATEST_EVALUATION}) latest
        JOIN treatment_evaluation_side_effect s ON s.evaluation_id = latest.id
        GROUP BY latest.treatment_id, s.side_effect_id"""):
        answers[treatment_id, "side_effect", str(side_effect_id)] += count
    for treatment_id, purpose, effectiveness, count in await _rows(db, f"""
        SELECT latest.treatment_id, f.purpose, f.effectiveness, COUNT(*)
        FROM ({LATEST_EVALUATION}) latest
        JOIN treatment_evaluation_effect f ON f.evaluation_id = latest.id
        GROUP BY latest.treatment_id, f.purpose, f.effectiveness"""):
        answers[treatment_id, f"effectiveness:{purpose}", effectiveness] += count
    for condition_id, treatment_id, effectiveness, count in await _rows(db, f"""
        SELECT f.condition_id, latest.treatment_id, f.effectiveness, COUNT(*)
        FROM ({LATEST_EVALUATION}) latest
        JOIN treatment_evaluation_effect f ON f.evaluation_id = latest.id
        WHERE f.purpose LIKE 'condition:%' AND EXISTS (
            SELECT 1 FROM treatment_course c
            JOIN treatment_course_purpose p ON p.course_id = c.id
            WHERE c.user_id = latest.user_id AND c.treatment_id = latest.treatment_id
              AND {PURPOSE} = f.purpose)
        GROUP BY f.condition_id, latest.treatment_id, f.effectiveness"""):
        conditions[condition_id, treatment_id, "evaluations"] += count
        conditions[condition_id, treatment_id, f"effect_{effectiveness}"] += count

    for row in await _rows(db, f"""
        SELECT latest.treatment_id, d.amount, d.unit, d.frequency, d.as_needed, COUNT(*)
        FROM ({LATEST_COURSE}) latest
        JOIN (SELECT *, ROW_NUMBER() OVER (PARTITION BY course_id
                                           ORDER BY started_on DESC, id DESC) AS rank
              FROM treatment_dose_period) d ON d.course_id = latest.id AND d.rank = 1
        WHERE d.amount IS NOT NULL
        GROUP BY latest.treatment_id, d.amount, d.unit, d.frequency, d.as_needed"""):
        treatment_id, amount, unit, frequency, as_needed, count = row
        answer = f"{_amount(amount)}|{unit}|{frequency}|{int(bool(as_needed))}"
        answers[treatment_id, "dose", answer] += count
    for row in await _rows(db, f"""
        SELECT latest.treatment_id, latest.stop_reason, latest.started_on, latest.stopped_on
        FROM ({LATEST_COURSE}) latest
        JOIN ({PAIRS}) pairs ON pairs.user_id = latest.user_id
                            AND pairs.treatment_id = latest.treatment_id
        WHERE pairs.open_courses = 0"""):
        treatment_id, stop_reason, started_on, stopped_on = row
        answers[treatment_id, "stop_reason", stop_reason or "other"] += 1
        days = (_date(stopped_on) - _date(started_on)).days
        bucket = ("under_1m" if days < 30 else "1_6m" if days < 183 else "6_12m"
                  if days < 365 else "1_2y" if days < 730 else "2y_plus")
        answers[treatment_id, "duration", bucket] += 1
        answers[treatment_id, "stopped_after", str(max(0, days))] += 1
    for treatment_id, started_on in await _rows(db, """
        SELECT treatment_id, started_on FROM (
            SELECT c.*, ROW_NUMBER() OVER (PARTITION BY c.user_id, c.treatment_id
                                           ORDER BY c.started_on DESC, c.id DESC) AS rank
            FROM treatment_course c WHERE c.stopped_on IS NULL
        ) ranked WHERE rank = 1"""):
        answers[treatment_id, "on_since", _date(started_on).isoformat()] += 1

    return {
        "summary": {(t, column, n) for (t, column), n in summary.items() if n},
        "answers": {(t, question, answer, n) for (t, question, answer), n in answers.items()
                    if n},
        "conditions": {(c, t, column, n) for (c, t, column), n in conditions.items() if n},
    }


async def expected_symptom_summaries(db: AsyncSession) -> dict[tuple[int, int, int], int]:
    """(condition, symptom, severity) -> patients whose latest entry for that condition and
    symptom (latest `recorded_on`, then latest id) has that severity; entries without a
    condition are not summarised."""
    rows = await _rows(db, """
        SELECT e.condition_id, e.symptom_id, e.severity, COUNT(*)
        FROM symptom_entry e
        WHERE e.condition_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM symptom_entry later
            WHERE later.user_id = e.user_id AND later.condition_id = e.condition_id
              AND later.symptom_id = e.symptom_id
              AND (later.recorded_on > e.recorded_on
                   OR (later.recorded_on = e.recorded_on AND later.id > e.id)))
        GROUP BY e.condition_id, e.symptom_id, e.severity""")
    return {(c, s, v): n for c, s, v, n in rows}
