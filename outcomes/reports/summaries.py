"""Keeping the report summary tables equal to what the data says.

One pure function, `contribution`, says what one patient's experience of one treatment
adds to the tables. Every write to a course or evaluation goes through `maintained`,
which takes that pair's contribution before and after the write and applies the
difference in the same transaction; `rebuild_summaries` sums every pair's contribution
from scratch with a fixed number of set-based queries. Both share the one function, so
they cannot disagree about what is counted.

What is counted (per treatment, per patient, not per evaluation):
- current patients have an open course; former patients only have stopped ones;
- answers (effectiveness per purpose, side effects, adherence, burden, cost) come from the
  patient's latest evaluation (latest `evaluated_on`, then latest written);
- dose is the current dose period of the latest course; stop reason and duration are
  those of the latest course of a former patient (an open course has no duration yet);
- time on treatment (`outcomes.reports.survival`): a former patient's latest course in
  days (`stopped_after`), a current patient's latest open course by the day it began
  (`on_since`: its days so far change every day, its start does not);
- `evaluations` counts every evaluation, and every evaluation counts whatever its
  visibility: the reports are aggregates and never show who answered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from outcomes.reports.models import (
    ConditionReportVersion,
    ConditionTreatmentCount,
    TreatmentAnswerCount,
    TreatmentSummary,
    new_version,
)
from outcomes.treatments.models import (
    CoursePurpose,
    DosePeriod,
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
    purpose_key,
)
from outcomes.treatments.scales import duration_bucket, format_amount

SUMMARY_COLUMNS = ("current_patients", "former_patients", "evaluations")
STOPPED_AFTER = "stopped_after"
ON_SINCE = "on_since"
TIME_QUESTIONS = (STOPPED_AFTER, ON_SINCE)
ID_CHUNK = 5000
"""Answers for the time-on-treatment curve alone: hundreds of rows per treatment, read
apart from the others."""
CONDITION_COLUMNS = ("patients", "evaluations", "effect_major", "effect_moderate",
                     "effect_slight", "effect_none", "effect_cant_tell")

# Keys of a contribution: ("summary", column) | ("answer", question, answer)
# | ("condition", condition_id, column); values are patient counts.
Contribution = Counter[tuple[Any, ...]]


@dataclass
class CourseFacts:
    id: int
    started_on: date
    stopped_on: date | None
    stop_reason: str | None
    purposes: set[str] = field(default_factory=set)
    dose: tuple[Decimal | None, str, str, bool] | None = None  # of the latest dose period


@dataclass
class LatestEvaluation:
    side_effect_severity: str
    adherence: str
    burden: str
    cost: str
    effects: dict[str, str] = field(default_factory=dict)
    side_effect_ids: set[int] = field(default_factory=set)


def dose_answer(amount: Decimal | None, unit: str, frequency: str, as_needed: bool) -> str:
    """A dose as one answer string: `amount|unit|frequency|as_needed`."""
    return f"{format_amount(amount)}|{unit}|{frequency}|{int(as_needed)}"


def contribution(
    courses: Iterable[CourseFacts], evaluations: int, latest: LatestEvaluation | None
) -> Contribution:
    """What one patient's courses and evaluations of one treatment add to the summaries."""
    result: Contribution = Counter()
    ordered = sorted(courses, key=lambda c: (c.started_on, c.id))
    if not ordered:
        return result
    last = ordered[-1]
    is_current = any(c.stopped_on is None for c in ordered)
    result["summary", "current_patients" if is_current else "former_patients"] += 1
    result["summary", "evaluations"] += evaluations
    purposes = set().union(*(c.purposes for c in ordered))
    for purpose in purposes:
        result["answer", "purpose", purpose] += 1
        if purpose.startswith("condition:"):
            result["condition", int(purpose.split(":", 1)[1]), "patients"] += 1
    if last.dose is not None and last.dose[0] is not None:
        result["answer", "dose", dose_answer(*last.dose)] += 1
    if is_current:
        began = [c for c in ordered if c.stopped_on is None][-1].started_on
        result["answer", ON_SINCE, began.isoformat()] += 1
    elif last.stopped_on is not None:
        result["answer", "stop_reason", last.stop_reason or "other"] += 1
        days = (last.stopped_on - last.started_on).days
        result["answer", "duration", duration_bucket(days)] += 1
        result["answer", STOPPED_AFTER, str(max(0, days))] += 1
    if latest is not None:
        for question in ("side_effect_severity", "adherence", "burden", "cost"):
            result["answer", question, getattr(latest, question)] += 1
        for side_effect_id in latest.side_effect_ids:
            result["answer", "side_effect", str(side_effect_id)] += 1
        for purpose, effectiveness in latest.effects.items():
            result["answer", f"effectiveness:{purpose}", effectiveness] += 1
            if purpose.startswith("condition:") and purpose in purposes:
                condition_id = int(purpose.split(":", 1)[1])
                result["condition", condition_id, "evaluations"] += 1
                result["condition", condition_id, f"effect_{effectiveness}"] += 1
    return +result


# ---- one pair, for incremental maintenance ----------------------------------------------


async def pair_contribution(db: AsyncSession, user_id: int, treatment_id: int) -> Contribution:
    """The current contribution of one person's experience of one treatment."""
    await db.flush()
    course_filter = (TreatmentCourse.user_id == user_id,
                     TreatmentCourse.treatment_id == treatment_id)
    courses = {
        row.id: CourseFacts(row.id, row.started_on, row.stopped_on, row.stop_reason)
        for row in await db.execute(
            select(TreatmentCourse.id, TreatmentCourse.started_on, TreatmentCourse.stopped_on,
                   TreatmentCourse.stop_reason).where(*course_filter)
        )
    }
    if not courses:
        return Counter()
    for purpose_row in await db.execute(
        select(CoursePurpose.course_id, CoursePurpose.condition_id, CoursePurpose.symptom_id)
        .join(TreatmentCourse, TreatmentCourse.id == CoursePurpose.course_id)
        .where(*course_filter)
    ):
        courses[purpose_row.course_id].purposes.add(
            purpose_key(purpose_row.condition_id, purpose_row.symptom_id))
    for dose_row in await db.execute(
        select(DosePeriod.course_id, DosePeriod.amount, DosePeriod.unit, DosePeriod.frequency,
               DosePeriod.as_needed)
        .join(TreatmentCourse, TreatmentCourse.id == DosePeriod.course_id)
        .where(*course_filter)
        .order_by(DosePeriod.started_on, DosePeriod.id)
    ):
        courses[dose_row.course_id].dose = (dose_row.amount, dose_row.unit, dose_row.frequency,
                                            dose_row.as_needed)
    evaluation_filter = (Evaluation.user_id == user_id, Evaluation.treatment_id == treatment_id)
    count = int(await db.scalar(
        select(func.count()).select_from(Evaluation).where(*evaluation_filter)) or 0)
    latest_row = (
        await db.execute(
            select(Evaluation.id, Evaluation.side_effect_severity, Evaluation.adherence,
                   Evaluation.burden, Evaluation.cost)
            .where(*evaluation_filter)
            .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc())
            .limit(1)
        )
    ).first()
    latest = None
    if latest_row is not None:
        latest = LatestEvaluation(latest_row.side_effect_severity, latest_row.adherence,
                                  latest_row.burden, latest_row.cost)
        for purpose, effectiveness in await db.execute(
            select(EvaluationEffect.purpose, EvaluationEffect.effectiveness)
            .where(EvaluationEffect.evaluation_id == latest_row.id)
        ):
            latest.effects[purpose] = effectiveness
        latest.side_effect_ids = set(
            (await db.scalars(select(EvaluationSideEffect.side_effect_id)
                              .where(EvaluationSideEffect.evaluation_id == latest_row.id))).all()
        )
    return contribution(courses.values(), count, latest)


@asynccontextmanager
async def maintained(db: AsyncSession, user_id: int, treatment_id: int) -> AsyncIterator[None]:
    """Wrap a write to one person's courses or evaluations of one treatment."""
    before = await pair_contribution(db, user_id, treatment_id)
    yield
    after = await pair_contribution(db, user_id, treatment_id)
    delta = Counter(after)
    delta.subtract(before)
    await apply_delta(db, {treatment_id: delta})


def _upsert(db: AsyncSession, table: Any) -> Any:
    dialect = db.get_bind().dialect.name
    return (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table))


async def apply_delta(db: AsyncSession, deltas: dict[int, Contribution]) -> None:
    """Add signed counts to the summary tables with upserts, a few statements in all.

    Every treatment in `deltas` gets a new version even when no count moved (a visibility or
    tip change alters the shared evaluations a report lists); a condition gets one when its
    counts move."""
    summaries: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    conditions: dict[tuple[int, int], dict[str, Any]] = {}
    for treatment_id, delta in deltas.items():
        summary = {column: 0 for column in SUMMARY_COLUMNS}
        for key, value in delta.items():
            if value == 0:
                continue
            if key[0] == "summary":
                summary[key[1]] += value
            elif key[0] == "answer":
                answers.append({"treatment_id": treatment_id, "question": key[1],
                                "answer": key[2], "count": value})
            else:
                row = conditions.setdefault(
                    (key[1], treatment_id),
                    {"condition_id": key[1], "treatment_id": treatment_id,
                     **{column: 0 for column in CONDITION_COLUMNS}},
                )
                row[key[2]] += value
        summaries.append({"treatment_id": treatment_id, **summary, "version": new_version()})
    if summaries:
        stmt = _upsert(db, TreatmentSummary)
        await db.execute(stmt.on_conflict_do_update(
            index_elements=["treatment_id"],
            set_={**{c: getattr(TreatmentSummary, c) + getattr(stmt.excluded, c)
                     for c in SUMMARY_COLUMNS}, "version": stmt.excluded.version},
        ), summaries)
    if answers:
        stmt = _upsert(db, TreatmentAnswerCount)
        await db.execute(stmt.on_conflict_do_update(
            index_elements=["treatment_id", "question", "answer"],
            set_={"count": TreatmentAnswerCount.count + stmt.excluded.count},
        ), answers)
    if conditions:
        stmt = _upsert(db, ConditionTreatmentCount)
        await db.execute(stmt.on_conflict_do_update(
            index_elements=["condition_id", "treatment_id"],
            set_={c: getattr(ConditionTreatmentCount, c) + getattr(stmt.excluded, c)
                  for c in CONDITION_COLUMNS},
        ), list(conditions.values()))
        await _new_condition_versions(db, {condition_id for condition_id, _t in conditions})


async def _new_condition_versions(db: AsyncSession, condition_ids: Iterable[int]) -> None:
    rows = [{"condition_id": c, "version": new_version()} for c in sorted(condition_ids)]
    if rows:
        stmt = _upsert(db, ConditionReportVersion)
        await db.execute(stmt.on_conflict_do_update(
            index_elements=["condition_id"], set_={"version": stmt.excluded.version}), rows)


async def invalidate_reports(db: AsyncSession) -> None:
    """New versions for every report, for changes the summaries do not see (vocabulary names)."""
    await db.execute(update(TreatmentSummary).values(version=new_version()))
    await db.execute(update(ConditionReportVersion).values(version=new_version()))


# ---- everything, from scratch -----------------------------------------------------------


async def pair_contributions(
    db: AsyncSession, treatment_id: int | None = None
) -> dict[tuple[int, int], Contribution]:
    """Every (person, treatment) pair's contribution, computed from the data with a fixed
    number of set-based queries; only one treatment's pairs when `treatment_id` is given."""
    def only(column: Any) -> tuple[Any, ...]:
        return () if treatment_id is None else (column == treatment_id,)

    courses: dict[int, CourseFacts] = {}
    pairs: dict[tuple[int, int], list[CourseFacts]] = {}
    for row in await db.execute(
        select(TreatmentCourse.id, TreatmentCourse.user_id, TreatmentCourse.treatment_id,
               TreatmentCourse.started_on, TreatmentCourse.stopped_on,
               TreatmentCourse.stop_reason).where(*only(TreatmentCourse.treatment_id))
    ):
        facts = CourseFacts(row.id, row.started_on, row.stopped_on, row.stop_reason)
        courses[row.id] = facts
        pairs.setdefault((row.user_id, row.treatment_id), []).append(facts)
    for course_id, condition_id, symptom_id in await db.execute(
        select(CoursePurpose.course_id, CoursePurpose.condition_id, CoursePurpose.symptom_id)
        .join(TreatmentCourse, TreatmentCourse.id == CoursePurpose.course_id)
        .where(*only(TreatmentCourse.treatment_id))
    ):
        courses[course_id].purposes.add(purpose_key(condition_id, symptom_id))
    for course_id, amount, unit, frequency, as_needed in await db.execute(
        select(DosePeriod.course_id, DosePeriod.amount, DosePeriod.unit, DosePeriod.frequency,
               DosePeriod.as_needed)
        .join(TreatmentCourse, TreatmentCourse.id == DosePeriod.course_id)
        .where(*only(TreatmentCourse.treatment_id))
        .order_by(DosePeriod.started_on, DosePeriod.id)
    ):
        courses[course_id].dose = (amount, unit, frequency, as_needed)
    # One pass over the evaluations: each pair's latest, with how many the pair has.
    pair_of = (Evaluation.user_id, Evaluation.treatment_id)
    ranked = select(
        Evaluation.id, Evaluation.user_id, Evaluation.treatment_id,
        Evaluation.side_effect_severity, Evaluation.adherence, Evaluation.burden,
        Evaluation.cost,
        func.row_number().over(
            partition_by=pair_of,
            order_by=(Evaluation.evaluated_on.desc(), Evaluation.id.desc()),
        ).label("rank"),
        func.count().over(partition_by=pair_of).label("n"),
    ).where(*only(Evaluation.treatment_id)).subquery()
    counts: dict[tuple[int, int], int] = {}
    latest_by_id: dict[int, LatestEvaluation] = {}
    latest_by_pair: dict[tuple[int, int], LatestEvaluation] = {}
    for row in await db.execute(select(ranked).where(ranked.c.rank == 1)):
        latest = LatestEvaluation(row.side_effect_severity, row.adherence, row.burden, row.cost)
        latest_by_id[row.id] = latest
        latest_by_pair[row.user_id, row.treatment_id] = latest
        counts[row.user_id, row.treatment_id] = row.n
    # The latest evaluations' answers by their ids, a chunk at a time (an index lookup
    # each), rather than joined to the ranking, which the database would redo per join.
    latest_ids = sorted(latest_by_id)
    for start in range(0, len(latest_ids), ID_CHUNK):
        chunk = latest_ids[start:start + ID_CHUNK]
        for evaluation_id, purpose, effectiveness in await db.execute(
            select(EvaluationEffect.evaluation_id, EvaluationEffect.purpose,
                   EvaluationEffect.effectiveness)
            .where(EvaluationEffect.evaluation_id.in_(chunk))
        ):
            latest_by_id[evaluation_id].effects[purpose] = effectiveness
        for evaluation_id, side_effect_id in await db.execute(
            select(EvaluationSideEffect.evaluation_id, EvaluationSideEffect.side_effect_id)
            .where(EvaluationSideEffect.evaluation_id.in_(chunk))
        ):
            latest_by_id[evaluation_id].side_effect_ids.add(side_effect_id)
    return {
        pair: contribution(pair_courses, counts.get(pair, 0), latest_by_pair.get(pair))
        for pair, pair_courses in pairs.items()
    }


async def rebuild_summaries(db: AsyncSession) -> int:
    """Recompute every summary from the data; returns how many patient-treatment pairs."""
    pairs = await pair_contributions(db)
    totals: dict[int, Contribution] = {}
    for (_user_id, treatment_id), pair in pairs.items():
        totals.setdefault(treatment_id, Counter()).update(pair)
    await db.execute(delete(TreatmentSummary))
    await db.execute(delete(TreatmentAnswerCount))
    await db.execute(delete(ConditionTreatmentCount))
    await db.execute(delete(ConditionReportVersion))
    await _insert_totals(db, totals)
    return len(pairs)


async def _insert_totals(db: AsyncSession, totals: dict[int, Contribution]) -> None:
    """Plain bulk inserts into empty tables, in chunks."""
    summaries: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    conditions: dict[tuple[int, int], dict[str, Any]] = {}
    for treatment_id, total in totals.items():
        summary = {"treatment_id": treatment_id, **{c: 0 for c in SUMMARY_COLUMNS},
                   "version": new_version()}
        for key, value in total.items():
            if key[0] == "summary":
                summary[key[1]] = value
            elif key[0] == "answer":
                answers.append({"treatment_id": treatment_id, "question": key[1],
                                "answer": key[2], "count": value})
            else:
                row = conditions.setdefault(
                    (key[1], treatment_id),
                    {"condition_id": key[1], "treatment_id": treatment_id,
                     **{c: 0 for c in CONDITION_COLUMNS}},
                )
                row[key[2]] = value
        summaries.append(summary)
    for model, rows in ((TreatmentSummary, summaries), (TreatmentAnswerCount, answers),
                        (ConditionTreatmentCount, list(conditions.values())),
                        (ConditionReportVersion,
                         [{"condition_id": c, "version": new_version()}
                          for c in sorted({c for c, _t in conditions})])):
        for start in range(0, len(rows), 5000):
            await db.execute(insert(model), rows[start:start + 5000])


async def summary_state(db: AsyncSession) -> dict[str, set[tuple[Any, ...]]]:
    """Every non-zero summary figure, for comparing maintained tables with a rebuild."""
    summary = {
        (row.treatment_id, c, getattr(row, c))
        for row in await db.execute(select(TreatmentSummary.__table__))
        for c in SUMMARY_COLUMNS if getattr(row, c)
    }
    answers = {
        tuple(row) for row in await db.execute(select(
            TreatmentAnswerCount.treatment_id, TreatmentAnswerCount.question,
            TreatmentAnswerCount.answer, TreatmentAnswerCount.count))
        if row[3]
    }
    conditions = {
        (row.condition_id, row.treatment_id, c, getattr(row, c))
        for row in await db.execute(select(ConditionTreatmentCount.__table__))
        for c in CONDITION_COLUMNS if getattr(row, c)
    }
    return {"summary": summary, "answers": answers, "conditions": conditions}
