"""Tracking actions: record, change and delete symptoms, check in, answer questionnaires.

Every symptom write keeps `SymptomSummary` right in the same transaction: per condition
and symptom, how many patients' latest report has each severity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import User
from community.accounts.services import FormErrors
from community.db import table_of, utcnow, write_later
from community.i18n import gettext as _
from outcomes.catalog.models import Condition, Symptom, Treatment
from outcomes.tracking.charts import (
    Combined,
    LineChart,
    Timeline,
    TimelineRow,
    combined,
    line_chart,
    timeline,
)
from outcomes.tracking.models import (
    CheckIn,
    Feeling,
    QuestionnaireAnswer,
    Severity,
    SymptomEntry,
    SymptomSummary,
)
from outcomes.tracking.scoring import (
    QuestionnaireDefinition,
    load_questionnaires,
    score,
    to_questionnaire_response,
)
from outcomes.treatments import scales
from outcomes.treatments.models import DosePeriod, TreatmentCourse

NOTE_MAX = 1000
SummaryKey = tuple[int, int]
"""(condition_id, symptom_id)"""


@lru_cache(maxsize=1)
def questionnaires() -> Mapping[str, QuestionnaireDefinition]:
    """The instruments in ``outcomes/tracking/questionnaires``, by FHIR id."""
    return load_questionnaires()


# Parsing forms --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SymptomReport:
    symptom_id: int
    condition_id: int | None
    severity: Severity
    recorded_on: date


async def parse_symptom_form(
    db: AsyncSession, form: Mapping[str, str], today: date
) -> SymptomReport:
    """Check a symptom form; raises FormErrors naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    symptom_id = _whole(form.get("symptom_id", ""))
    if symptom_id is None or not await db.scalar(
        select(Symptom.id).where(Symptom.id == symptom_id)
    ):
        errors["symptom_id"] = [_("Choose a symptom from the list.")]
    condition_id: int | None = None
    if form.get("condition_id", "").strip():
        condition_id = _whole(form["condition_id"])
        if condition_id is None or not await db.scalar(
            select(Condition.id).where(Condition.id == condition_id)
        ):
            errors["condition_id"] = [_("Choose a condition from the list, or none.")]
    severity_value = _whole(form.get("severity", ""))
    if severity_value is None or severity_value not in {s.value for s in Severity}:
        errors["severity"] = [_("Severity must be one of None, Mild, Moderate or Severe.")]
    recorded_on = _day(form.get("recorded_on", ""), today, errors, "recorded_on")
    if errors:
        raise FormErrors(errors)
    assert symptom_id is not None and severity_value is not None and recorded_on is not None
    return SymptomReport(symptom_id, condition_id, Severity(severity_value), recorded_on)


@dataclass(frozen=True, slots=True)
class CheckInReport:
    level: Feeling
    note: str
    recorded_on: date


def parse_check_in_form(form: Mapping[str, str], today: date) -> CheckInReport:
    """Check a check-in form; raises FormErrors naming every field that is wrong."""
    errors: dict[str, list[str]] = {}
    level = _whole(form.get("level", ""))
    if level is None or level not in {f.value for f in Feeling}:
        errors["level"] = [
            _("How you feel today must be a level from 1 (very bad) to 5 (very good).")
        ]
    note = form.get("note", "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_("Keep the note under %(count)d characters.") % {"count": NOTE_MAX}]
    recorded_on = _day(form.get("recorded_on", ""), today, errors, "recorded_on")
    if errors:
        raise FormErrors(errors)
    assert level is not None and recorded_on is not None
    return CheckInReport(Feeling(level), note, recorded_on)


def _whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _day(text: str, today: date, errors: dict[str, list[str]], field: str) -> date | None:
    """A date from the form; empty means today. Tomorrow is allowed (time zones)."""
    if not text.strip():
        return today
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        errors[field] = [_("Enter the date as year-month-day, like 2026-03-14.")]
        return None
    if day > today + timedelta(days=1):
        errors[field] = [_("The date cannot be in the future.")]
    elif day.year < 1900:
        errors[field] = [_("Enter a date after 1900.")]
    return day


# Symptoms and their summaries ----------------------------------------------------------------


async def record_symptom(db: AsyncSession, person: User, report: SymptomReport) -> SymptomEntry:
    """Record how severe a symptom was on a day."""
    await _lock_person(db, person.id)
    before = await _latest(db, person.id, _keys(report.condition_id, report.symptom_id))
    entry = SymptomEntry(
        user_id=person.id, symptom_id=report.symptom_id, condition_id=report.condition_id,
        severity=int(report.severity), recorded_on=report.recorded_on,
    )
    db.add(entry)
    await db.flush()
    await _settle(db, person.id, before)
    return entry


async def update_symptom(db: AsyncSession, entry: SymptomEntry, report: SymptomReport) -> None:
    """Change a recorded symptom; both the old and the new (condition, symptom) are recounted."""
    await _lock_person(db, entry.user_id)
    keys = {*_keys(entry.condition_id, entry.symptom_id),
            *_keys(report.condition_id, report.symptom_id)}
    before = await _latest(db, entry.user_id, keys)
    entry.symptom_id, entry.condition_id = report.symptom_id, report.condition_id
    entry.severity, entry.recorded_on = int(report.severity), report.recorded_on
    await db.flush()
    await _settle(db, entry.user_id, before)


async def delete_symptom(db: AsyncSession, entry: SymptomEntry) -> None:
    """Delete a recorded symptom; an earlier report of it becomes the latest again."""
    await _lock_person(db, entry.user_id)
    before = await _latest(db, entry.user_id, _keys(entry.condition_id, entry.symptom_id))
    await db.delete(entry)
    await db.flush()
    await _settle(db, entry.user_id, before)


async def remove_person_tracking(db: AsyncSession, user_id: int) -> None:
    """Delete everything a person tracked (account deletion), taking them out of summaries."""
    await _lock_person(db, user_id)
    counts = (await db.execute(_latest_counts(SymptomEntry.user_id == user_id))).all()
    if counts:
        columns = SymptomSummary.__table__.c
        await db.execute(
            update(SymptomSummary.__table__)  # type: ignore[arg-type]
            .where(columns.condition_id == bindparam("b_condition"),
                   columns.symptom_id == bindparam("b_symptom"),
                   columns.severity == bindparam("b_severity"))
            .values(patients=columns.patients - bindparam("b_patients")),
            [{"b_condition": c, "b_symptom": s, "b_severity": v, "b_patients": n}
             for c, s, v, n in counts],
        )
    for model in (SymptomEntry, CheckIn, QuestionnaireAnswer):
        await db.execute(delete(model).where(model.user_id == user_id))


async def rebuild_symptom_summaries(db: AsyncSession) -> None:
    """Recount every summary from the entries (after bulk loads, or to check the counters)."""
    await db.execute(delete(SymptomSummary))
    await db.execute(
        insert(SymptomSummary).from_select(
            ["condition_id", "symptom_id", "severity", "patients"], _latest_counts()
        )
    )


def _latest_counts(*where: Any) -> Any:
    """(condition_id, symptom_id, severity, patients) over each patient's latest entry."""
    ranked = (
        select(
            SymptomEntry.condition_id, SymptomEntry.symptom_id, SymptomEntry.severity,
            func.row_number().over(
                partition_by=(SymptomEntry.user_id, SymptomEntry.condition_id,
                              SymptomEntry.symptom_id),
                order_by=(SymptomEntry.recorded_on.desc(), SymptomEntry.id.desc()),
            ).label("position"),
        )
        .where(SymptomEntry.condition_id.is_not(None), *where)
        .subquery()
    )
    return (
        select(ranked.c.condition_id, ranked.c.symptom_id, ranked.c.severity,
               func.count().label("patients"))
        .where(ranked.c.position == 1)
        .group_by(ranked.c.condition_id, ranked.c.symptom_id, ranked.c.severity)
    )


def _keys(condition_id: int | None, symptom_id: int) -> set[SummaryKey]:
    return set() if condition_id is None else {(condition_id, symptom_id)}


async def _lock_person(db: AsyncSession, user_id: int) -> None:
    # One person's writes are serialised, so "latest before" stays true until we settle.
    await db.execute(select(User.id).where(User.id == user_id).with_for_update())


async def _latest(
    db: AsyncSession, user_id: int, keys: set[SummaryKey]
) -> dict[SummaryKey, int | None]:
    latest: dict[SummaryKey, int | None] = {}
    for condition_id, symptom_id in keys:
        latest[(condition_id, symptom_id)] = await db.scalar(
            select(SymptomEntry.severity)
            .where(SymptomEntry.user_id == user_id, SymptomEntry.condition_id == condition_id,
                   SymptomEntry.symptom_id == symptom_id)
            .order_by(SymptomEntry.recorded_on.desc(), SymptomEntry.id.desc())
            .limit(1)
        )
    return latest


async def _settle(db: AsyncSession, user_id: int, before: dict[SummaryKey, int | None]) -> None:
    after = await _latest(db, user_id, set(before))
    for (condition_id, symptom_id), old in before.items():
        new = after[(condition_id, symptom_id)]
        if old == new:
            continue
        if old is not None:
            await db.execute(
                update(SymptomSummary)
                .where(SymptomSummary.condition_id == condition_id,
                       SymptomSummary.symptom_id == symptom_id,
                       SymptomSummary.severity == old)
                .values(patients=SymptomSummary.patients - 1)
            )
        if new is not None:
            await _count_one_more(db, condition_id, symptom_id, new)


async def _count_one_more(
    db: AsyncSession, condition_id: int, symptom_id: int, severity: int
) -> None:
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(SymptomSummary).values(
        condition_id=condition_id, symptom_id=symptom_id, severity=severity, patients=1
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=["condition_id", "symptom_id", "severity"],
            set_={"patients": SymptomSummary.patients + 1},
        )
    )


async def symptom_summaries(db: AsyncSession) -> dict[tuple[int, int, int], int]:
    """Every non-empty summary cell: (condition, symptom, severity) -> patients."""
    rows = await db.execute(
        select(SymptomSummary.condition_id, SymptomSummary.symptom_id, SymptomSummary.severity,
               SymptomSummary.patients).where(SymptomSummary.patients > 0)
    )
    return {(c, s, v): n for c, s, v, n in rows}


# Check-ins -------------------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _check_in_statement(dialect: str) -> Any:
    """The day's check-in written, or the earlier one of that day replaced (built once)."""
    insert_into = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_into(table_of(CheckIn))
    return statement.on_conflict_do_update(
        index_elements=[CheckIn.user_id, CheckIn.recorded_on],
        set_={"level": statement.excluded.level, "note": statement.excluded.note,
              "updated_at": statement.excluded.updated_at})


async def check_in(db: AsyncSession, person: User, report: CheckInReport) -> None:
    """Record how the person is on a day; a second check-in that day replaces the first.
    One upsert that nothing reads back: on SQLite it goes with the commit (`write_later`),
    so the write lock is held for the form receipt's claim and the commit only."""
    await write_later(db, _check_in_statement(db.get_bind().dialect.name), {
        "user_id": person.id, "recorded_on": report.recorded_on, "level": int(report.level),
        "note": report.note})


# Questionnaires --------------------------------------------------------------------------------


CRISIS_FLAGS = frozenset({"self-harm-thoughts"})
"""Flags that show crisis resources at once on the result page."""

def crisis_lines() -> tuple[tuple[str, str], ...]:
    """Where to get help now, by country, in the reader's language; shown with the local
    emergency number advice."""
    return (
        (_("United States"), _("Call or text 988 (Suicide & Crisis Lifeline). Emergency: 911.")),
        (_("United Kingdom"), _("Samaritans: 116 123, free, day and night. Emergency: 999.")),
        (_("Russia"), _("Emergency: 112.")),
    )


def needs_crisis_resources(answer: QuestionnaireAnswer) -> bool:
    return bool(CRISIS_FLAGS.intersection(answer.flags))


def questionnaire_or_none(questionnaire_id: str) -> QuestionnaireDefinition | None:
    return questionnaires().get(questionnaire_id)


def check_answers(definition: QuestionnaireDefinition, form: Mapping[str, str]) -> dict[str, str]:
    """The form's answers (linkId -> code) after checking every item at once.

    Raises FormErrors keyed by linkId, each message naming the item.
    """
    answers: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for number, item in enumerate(definition.items, start=1):
        code = form.get(item.link_id, "").strip()
        label = {"number": (item.prefix or str(number)).rstrip("."), "text": item.text}
        if not code:
            if item.required:
                errors[item.link_id] = [_("Question %(number)s (“%(text)s”) needs an answer.")
                                        % label]
            continue
        if item.option(code) is None:
            errors[item.link_id] = [
                _("Question %(number)s (“%(text)s”): choose one of the answers offered.") % label
            ]
            continue
        answers[item.link_id] = code
    if errors:
        raise FormErrors(errors)
    return answers


async def submit_questionnaire(
    db: AsyncSession, person: User, definition: QuestionnaireDefinition, form: Mapping[str, str]
) -> QuestionnaireAnswer:
    """Check, score by the published rule, and store a completed questionnaire."""
    answers = check_answers(definition, form)
    result = score(definition, answers)
    answer = QuestionnaireAnswer(
        user_id=person.id, questionnaire_id=definition.id,
        questionnaire_version=definition.version, answers=answers, total=float(result.total),
        band_code=result.band_code, flags=list(result.flags), subscales=dict(result.subscales),
        authored_at=utcnow(),
    )
    db.add(answer)
    await db.flush()
    return answer


def band_label(definition: QuestionnaireDefinition, band_code: str) -> str:
    return next((b.label for b in definition.bands if b.code == band_code), band_code)


async def export_response(
    db: AsyncSession, person: User, answer: QuestionnaireAnswer
) -> dict[str, Any]:
    """The stored answers as a FHIR R4 QuestionnaireResponse; the download is audited."""
    definition = questionnaires()[answer.questionnaire_id]
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(answer.id),
        **to_questionnaire_response(definition, answer.answers, _aware(answer.authored_at)),
    }
    await audit.record(db, "questionnaire.exported", actor_id=person.id,
                       target_type="questionnaire_answer", target_id=answer.id)
    return resource


def _aware(moment: datetime) -> datetime:
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


__all__ = ["FormErrors"]


# My charts ------------------------------------------------------------------------------------

CHART_RANGES = (30, 90, 365)


@dataclass(frozen=True, slots=True)
class ChartBlock:
    """One chart on the charts page, with the same values as table rows for screen readers."""

    key: str
    title: str
    kind: str
    """"line" or "timeline"."""
    geometry: LineChart | Timeline
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


async def my_charts(db: AsyncSession, person: User, *, start: date, end: date) -> list[ChartBlock]:
    """Treatment courses, symptoms, check-ins and questionnaire scores over [start, end].

    A fixed number of queries whatever the amount of data.
    """
    blocks: list[ChartBlock] = []
    courses = await _course_block(db, person, start, end)
    if courses is not None:
        blocks.append(courses)
    blocks.extend(await _symptom_blocks(db, person, start, end))
    check_ins = await _check_in_block(db, person, start, end)
    if check_ins is not None:
        blocks.append(check_ins)
    blocks.extend(await _questionnaire_blocks(db, person, start, end))
    return blocks


async def _course_block(
    db: AsyncSession, person: User, start: date, end: date
) -> ChartBlock | None:
    courses = (
        await db.execute(
            select(TreatmentCourse.id, Treatment.name, TreatmentCourse.started_on,
                   TreatmentCourse.stopped_on)
            .join(Treatment, Treatment.id == TreatmentCourse.treatment_id)
            .where(TreatmentCourse.user_id == person.id, TreatmentCourse.started_on <= end,
                   (TreatmentCourse.stopped_on.is_(None)) | (TreatmentCourse.stopped_on >= start))
            .order_by(TreatmentCourse.started_on, TreatmentCourse.id)
        )
    ).all()
    if not courses:
        return None
    doses: dict[int, list[str]] = {}
    for course_id, started_on, amount, unit, frequency, as_needed in await db.execute(
        select(DosePeriod.course_id, DosePeriod.started_on, DosePeriod.amount, DosePeriod.unit,
               DosePeriod.frequency, DosePeriod.as_needed)
        .where(DosePeriod.course_id.in_([c.id for c in courses]))
        .order_by(DosePeriod.started_on, DosePeriod.id)
    ):
        amount_text = f"{amount.normalize():f}" if amount is not None else ""
        unit_text = scales.DOSE_UNIT.label(unit) if unit else ""
        frequency_text = scales.FREQUENCY.label(frequency) if frequency else ""
        dose = ", ".join(
            part for part in (
                " ".join(p for p in (amount_text, unit_text) if p), frequency_text,
                _("as needed") if as_needed else "",
            ) if part
        )
        doses.setdefault(course_id, []).append(f"{started_on.isoformat()}: {dose or '—'}")
    rows = [TimelineRow(name, started, stopped) for _id, name, started, stopped in courses]
    return ChartBlock(
        "treatments", _("Treatments"), "timeline", timeline(rows, start=start, end=end),
        (_("Treatment"), _("Started"), _("Stopped"), _("Doses")),
        tuple(
            (name, started_on.isoformat(),
             stopped_on.isoformat() if stopped_on else _("ongoing"),
             "; ".join(doses.get(course_id, [])))
            for course_id, name, started_on, stopped_on in courses
        ),
    )


async def _symptom_blocks(
    db: AsyncSession, person: User, start: date, end: date
) -> list[ChartBlock]:
    entries = (
        await db.execute(
            select(Symptom.id, Symptom.name, SymptomEntry.recorded_on, SymptomEntry.severity,
                   Condition.name)
            .join(Symptom, Symptom.id == SymptomEntry.symptom_id)
            .outerjoin(Condition, Condition.id == SymptomEntry.condition_id)
            .where(SymptomEntry.user_id == person.id, SymptomEntry.recorded_on >= start,
                   SymptomEntry.recorded_on <= end)
            .order_by(Symptom.name, SymptomEntry.recorded_on, SymptomEntry.id)
        )
    ).all()
    by_symptom: dict[int, list[Any]] = {}
    for row in entries:
        by_symptom.setdefault(row[0], []).append(row)
    labels = {float(s.value): s.label for s in Severity}
    blocks = []
    for symptom_id, rows in by_symptom.items():
        name = rows[0][1]
        chart = line_chart([(name, [(day, severity) for _i, _n, day, severity, _c in rows])],
                           start=start, end=end, low=0, high=3, y_labels=labels)
        blocks.append(ChartBlock(
            f"symptom-{symptom_id}", _("Symptom: %(name)s") % {"name": name}, "line", chart,
            (_("Date"), _("Severity"), _("Related to")),
            tuple((day.isoformat(), Severity(severity).label, condition or "—")
                  for _i, _n, day, severity, condition in rows),
        ))
    return blocks


async def _check_in_block(
    db: AsyncSession, person: User, start: date, end: date
) -> ChartBlock | None:
    rows = (
        await db.execute(
            select(CheckIn.recorded_on, CheckIn.level, CheckIn.note)
            .where(CheckIn.user_id == person.id, CheckIn.recorded_on >= start,
                   CheckIn.recorded_on <= end)
            .order_by(CheckIn.recorded_on)
        )
    ).all()
    if not rows:
        return None
    chart = line_chart([(_("How you felt"), [(day, level) for day, level, _n in rows])],
                       start=start, end=end, low=1, high=5,
                       y_labels={float(f.value): f.label for f in Feeling})
    return ChartBlock(
        "check-ins", _("How you felt"), "line", chart, (_("Date"), _("Feeling"), _("Note")),
        tuple((day.isoformat(), Feeling(level).label, note) for day, level, note in rows),
    )


async def _questionnaire_blocks(
    db: AsyncSession, person: User, start: date, end: date
) -> list[ChartBlock]:
    since = datetime.combine(start, datetime.min.time(), UTC)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
    answers = (
        await db.scalars(
            select(QuestionnaireAnswer)
            .where(QuestionnaireAnswer.user_id == person.id,
                   QuestionnaireAnswer.authored_at >= since,
                   QuestionnaireAnswer.authored_at < until)
            .order_by(QuestionnaireAnswer.authored_at, QuestionnaireAnswer.id)
        )
    ).all()
    by_questionnaire: dict[str, list[QuestionnaireAnswer]] = {}
    for answer in answers:
        by_questionnaire.setdefault(answer.questionnaire_id, []).append(answer)
    blocks = []
    for questionnaire_id, rows in sorted(by_questionnaire.items()):
        definition = questionnaires().get(questionnaire_id)
        if definition is None:
            continue
        chart = line_chart(
            [(definition.title, [(_aware(a.authored_at).date(), a.total) for a in rows])],
            start=start, end=end, low=definition.min_score, high=definition.max_score,
            bands=[(band.label, band.low, band.high) for band in definition.bands],
        )
        blocks.append(ChartBlock(
            f"questionnaire-{questionnaire_id}", definition.title, "line", chart,
            (_("Date"), _("Score"), _("Result")),
            tuple((_aware(a.authored_at).date().isoformat(), score_text(a.total),
                   band_label(definition, a.band_code)) for a in rows),
            note=_("Score from %(low)s to %(high)s; shaded stripes are the published bands.")
            % {"low": score_text(definition.min_score), "high": score_text(definition.max_score)},
        ))
    return blocks


def score_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


async def together(db: AsyncSession, person: User, blocks: list[ChartBlock], *, start: date,
                   end: date) -> Combined | None:
    """Every chart of the period on one shared time axis, with the treatment changes
    (starts, stops, dose changes) numbered through all of them; None with fewer than two
    charts (there is nothing to put together)."""
    if len(blocks) < 2:
        return None
    changes: list[tuple[date, str]] = []
    for name, started_on, stopped_on, stop_reason in await db.execute(
        select(Treatment.name, TreatmentCourse.started_on, TreatmentCourse.stopped_on,
               TreatmentCourse.stop_reason)
        .join(Treatment, Treatment.id == TreatmentCourse.treatment_id)
        .where(TreatmentCourse.user_id == person.id)
    ):
        changes.append((started_on, _("Started %(name)s") % {"name": name}))
        if stopped_on is not None:
            reason = scales.STOP_REASON.label(stop_reason) if stop_reason else ""
            changes.append((stopped_on, (_("Stopped %(name)s (%(reason)s)") if reason
                                         else _("Stopped %(name)s"))
                            % {"name": name, "reason": reason}))
    for name, course_started, started_on, amount, unit, frequency in await db.execute(
        select(Treatment.name, TreatmentCourse.started_on, DosePeriod.started_on,
               DosePeriod.amount, DosePeriod.unit, DosePeriod.frequency)
        .join(TreatmentCourse, TreatmentCourse.id == DosePeriod.course_id)
        .join(Treatment, Treatment.id == TreatmentCourse.treatment_id)
        .where(TreatmentCourse.user_id == person.id)
    ):
        if started_on == course_started:
            continue
        dose = " ".join(part for part in (
            f"{amount.normalize():f}" if amount is not None else "",
            scales.DOSE_UNIT.label(unit) if unit else "",
            scales.FREQUENCY.label(frequency) if frequency else "") if part)
        changes.append((started_on, _("%(name)s dose changed to %(dose)s")
                        % {"name": name, "dose": dose or "—"}))
    return combined([(b.title, b.kind, b.geometry) for b in blocks], changes,
                    start=start, end=end)
