"""Treatment actions: start a course, change its dose, stop it, evaluate it.

Every write goes through `summaries.maintained`, so the report tables change in the same
transaction. Course and evaluation writes are personal health data and are deliberately
not copied into the append-only audit log, which could never forget them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.accounts.services import FormErrors
from community.db import utcnow
from community.i18n import gettext as _
from community.posting import ensure_can_post
from community.runtime import Runtime
from community.screening import HeldContent, Verdict
from outcomes.catalog.models import Condition, SideEffect, Symptom, TermKind, Treatment
from outcomes.catalog.services import resolve
from outcomes.reports.summaries import maintained
from outcomes.treatments import scales
from outcomes.treatments.models import (
    CoursePurpose,
    DosePeriod,
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
    purpose_ids,
)

Form = Mapping[str, Sequence[str]]
MAX_TIP = 2000
MAX_AMOUNT = Decimal("1000000")


def first(form: Form, key: str) -> str:
    values = form.get(key) or [""]
    return values[-1].strip()


def filled(form: Form, key: str) -> list[str]:
    return [v.strip() for v in form.get(key, []) if v.strip()]


def effect_field(purpose: str) -> str:
    """The form field for effectiveness for one purpose (`condition:3` -> `effect_condition_3`)."""
    return "effect_" + purpose.replace(":", "_")


def today() -> date:
    return utcnow().date()


def parse_date(value: str, field: str, errors: dict[str, list[str]], *,
               not_before: date | None = None, required: bool = True) -> date | None:
    if not value:
        if required:
            errors[field] = [_("Enter a date.")]
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        errors[field] = [_("Enter a date like 2024-03-01.")]
        return None
    # A day of slack: the person's own calendar may already be on tomorrow.
    if parsed > today() + timedelta(days=1):
        errors[field] = [_("The date cannot be in the future.")]
    elif parsed.year < 1900:
        errors[field] = [_("Enter a date after 1900.")]
    elif not_before is not None and parsed < not_before:
        errors[field] = [_("The date cannot be before %(day)s.") % {"day": not_before.isoformat()}]
    return parsed


@dataclass
class DoseInput:
    amount: Decimal | None
    unit: str
    frequency: str
    as_needed: bool


def parse_dose(form: Form, errors: dict[str, list[str]]) -> DoseInput:
    raw_amount = first(form, "amount")
    unit, frequency = first(form, "unit"), first(form, "frequency")
    amount: Decimal | None = None
    if raw_amount:
        try:
            amount = Decimal(raw_amount.replace(",", "."))
            if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
                raise InvalidOperation
            if amount.as_tuple().exponent < -3:  # type: ignore[operator]
                errors["amount"] = [_("Use at most three decimals.")]
        except InvalidOperation:
            errors["amount"] = [_("Enter the dose as a positive number, like 20 or 0.5.")]
            amount = None
    if unit or raw_amount:
        scales.check_choice(scales.DOSE_UNIT, unit, errors)
    if frequency or raw_amount:
        scales.check_choice(scales.FREQUENCY, frequency, errors)
    as_needed = first(form, "as_needed") in {"1", "on", "true", "yes"}
    return DoseInput(amount, unit, frequency, as_needed)


async def _purposes(db: AsyncSession, names: list[str],
                    errors: dict[str, list[str]]) -> list[tuple[int | None, int | None]]:
    found: list[tuple[int | None, int | None]] = []
    unknown: list[str] = []
    for name in names:
        condition = await resolve(db, TermKind.CONDITION, name)
        symptom = None if condition else await resolve(db, TermKind.SYMPTOM, name)
        if condition is None and symptom is None:
            unknown.append(name)
            continue
        pair = (condition.id, None) if condition else (None, symptom.id)  # type: ignore[union-attr]
        if pair not in found:
            found.append(pair)
    if unknown:
        errors["purpose"] = [
            _("We do not know “%(name)s”: choose a condition or symptom from the list, or "
              "propose it as a new term.") % {"name": unknown[0]}
        ]
    elif not found:
        errors["purpose"] = [_("Say what you take it for: a condition or a symptom.")]
    return found


async def start_course(db: AsyncSession, user: User, form: Form) -> TreatmentCourse:
    """Add a treatment the person takes, with its purposes and first dose."""
    errors: dict[str, list[str]] = {}
    treatment_name = first(form, "treatment")
    treatment = await resolve(db, TermKind.TREATMENT, treatment_name) if treatment_name else None
    if not treatment_name:
        errors["treatment"] = [_("Choose a treatment.")]
    elif treatment is None:
        errors["treatment"] = [
            _("We do not know “%(name)s”: choose a treatment from the list, or propose it as a "
              "new term.") % {"name": treatment_name}
        ]
    purposes = await _purposes(db, filled(form, "purpose"), errors)
    started_on = parse_date(first(form, "started_on"), "started_on", errors)
    dose = parse_dose(form, errors)
    if treatment is not None and await db.scalar(
        select(TreatmentCourse.id).where(
            TreatmentCourse.user_id == user.id, TreatmentCourse.treatment_id == treatment.id,
            TreatmentCourse.stopped_on.is_(None))
    ):
        errors["treatment"] = [_("You already take this treatment: change its dose instead.")]
    if errors:
        raise FormErrors(errors)
    assert treatment is not None and started_on is not None
    async with maintained(db, user.id, treatment.id):
        course = TreatmentCourse(user_id=user.id, treatment_id=treatment.id,
                                 started_on=started_on)
        db.add(course)
        await db.flush()
        for condition_id, symptom_id in purposes:
            db.add(CoursePurpose(course_id=course.id, condition_id=condition_id,
                                 symptom_id=symptom_id))
        db.add(DosePeriod(course_id=course.id, started_on=started_on, amount=dose.amount,
                          unit=dose.unit, frequency=dose.frequency, as_needed=dose.as_needed))
    return course


async def change_dose(db: AsyncSession, user: User, course: TreatmentCourse,
                      form: Form) -> DosePeriod:
    """A new dated dose period of the same course."""
    errors: dict[str, list[str]] = {}
    current = course.current_dose
    not_before = current.started_on + timedelta(days=1) if current else course.started_on
    started_on = parse_date(first(form, "started_on"), "started_on", errors,
                            not_before=not_before)
    dose = parse_dose(form, errors)
    if course.stopped_on is not None:
        errors["started_on"] = [_("This treatment is stopped; add it again to restart it.")]
    if errors:
        raise FormErrors(errors)
    assert started_on is not None
    async with maintained(db, user.id, course.treatment_id):
        period = DosePeriod(course_id=course.id, started_on=started_on, amount=dose.amount,
                            unit=dose.unit, frequency=dose.frequency, as_needed=dose.as_needed)
        db.add(period)
    return period


async def stop_course(db: AsyncSession, user: User, course: TreatmentCourse, form: Form) -> None:
    errors: dict[str, list[str]] = {}
    latest_start = max([course.started_on, *(d.started_on for d in course.doses)])
    stopped_on = parse_date(first(form, "stopped_on"), "stopped_on", errors,
                            not_before=latest_start)
    reason = scales.check_choice(scales.STOP_REASON, first(form, "stop_reason"), errors)
    other = first(form, "stop_reason_other")
    if reason == "other" and not other:
        errors["stop_reason_other"] = [_("Say in a few words why you stopped.")]
    elif len(other) > 300:
        errors["stop_reason_other"] = [_("Use at most %(n)d characters.") % {"n": 300}]
    if course.stopped_on is not None:
        errors["stopped_on"] = [_("This treatment is already stopped.")]
    if errors:
        raise FormErrors(errors)
    async with maintained(db, user.id, course.treatment_id):
        course.stopped_on = stopped_on
        course.stop_reason = reason
        course.stop_reason_other = other if reason == "other" else ""


async def delete_course(db: AsyncSession, user: User, course: TreatmentCourse) -> None:
    """Remove a course and its evaluations (entered by mistake)."""
    async with maintained(db, user.id, course.treatment_id):
        await db.execute(delete(TreatmentCourse).where(TreatmentCourse.id == course.id))
        db.expunge(course)


@dataclass
class EvaluationInput:
    evaluated_on: date
    effects: dict[str, str]
    side_effect_severity: str
    side_effect_ids: list[int]
    adherence: str
    burden: str
    cost: str
    tip: str
    visibility: str


async def _evaluation_input(db: AsyncSession, course: TreatmentCourse,
                            form: Form) -> EvaluationInput:
    errors: dict[str, list[str]] = {}
    evaluated_on = parse_date(first(form, "evaluated_on"), "evaluated_on", errors,
                              not_before=course.started_on)
    effects = {
        purpose.key: scales.check_choice(
            scales.EFFECTIVENESS, first(form, effect_field(purpose.key)), errors,
            effect_field(purpose.key))
        for purpose in course.purposes
    }
    severity = scales.check_choice(scales.SIDE_EFFECT_SEVERITY,
                                   first(form, "side_effect_severity"), errors)
    side_effect_ids: list[int] = []
    for name in filled(form, "side_effect"):
        term = await resolve(db, TermKind.SIDE_EFFECT, name)
        if term is None:
            errors["side_effect"] = [
                _("We do not know the side effect “%(name)s”: choose one from the list, or "
                  "propose it as a new term.") % {"name": name}
            ]
        elif term.id not in side_effect_ids:
            side_effect_ids.append(term.id)
    if severity == "none" and side_effect_ids:
        errors["side_effect"] = [_("You chose no side effects: remove these or choose how "
                                   "severe they are.")]
    adherence = scales.check_choice(scales.ADHERENCE, first(form, "adherence"), errors)
    burden = scales.check_choice(scales.BURDEN, first(form, "burden"), errors)
    cost = scales.check_choice(scales.COST, first(form, "cost"), errors)
    visibility = scales.check_choice(scales.VISIBILITY, first(form, "visibility"), errors)
    tip = first(form, "tip")
    if len(tip) > MAX_TIP:
        errors["tip"] = [_("Use at most %(n)d characters.") % {"n": MAX_TIP}]
    if errors:
        raise FormErrors(errors)
    assert evaluated_on is not None
    return EvaluationInput(evaluated_on, effects, severity, side_effect_ids, adherence, burden,
                           cost, tip, visibility)


def _tip_status(verdict: Verdict) -> str:
    if verdict.is_visible_to_others:
        return "published"
    return "off_platform" if verdict.is_off_platform else "held"


async def _screen_tip(db: AsyncSession, runtime: Runtime, user: User,
                      evaluation: Evaluation) -> Verdict | None:
    if not evaluation.tip:
        evaluation.tip_status = "published"
        return None
    await ensure_can_post(db, runtime, user)
    verdict = runtime.screener.screen(evaluation.tip, author_role=user.primary_role.value,
                                      venue="evaluation")
    evaluation.tip_status = _tip_status(verdict)
    await db.flush()
    if verdict.labels or not verdict.is_visible_to_others or verdict.needs_crisis_check:
        await runtime.review_sink.open_review(db, HeldContent(
            target_type="evaluation_tip", target_id=evaluation.id, author_id=user.id,
            verdict=verdict, excerpt=evaluation.tip[:280],
        ))
    return verdict


async def apply_tip_decision(db: AsyncSession, evaluation_id: int, *, decision: str) -> None:
    """A moderator's decision on a tip: approval shows a held tip with the evaluation;
    rejection takes a published tip down (the structured evaluation stays) and leaves a
    held one with its author. Either change is a new report version, so cached cards
    change."""
    evaluation = await db.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise LookupError(f"evaluation {evaluation_id} does not exist")
    if decision == "approve" and evaluation.tip_status in ("held", "off_platform"):
        new_status = "published"
    elif decision == "reject" and evaluation.tip_status == "published":
        new_status = "removed"
    else:
        return
    async with maintained(db, evaluation.user_id, evaluation.treatment_id):
        evaluation.tip_status = new_status


def _fill(evaluation: Evaluation, data: EvaluationInput) -> None:
    evaluation.evaluated_on = data.evaluated_on
    evaluation.side_effect_severity = data.side_effect_severity
    evaluation.adherence = data.adherence
    evaluation.burden = data.burden
    evaluation.cost = data.cost
    evaluation.visibility = data.visibility
    evaluation.effects = [
        EvaluationEffect(purpose=p, effectiveness=e, condition_id=purpose_ids(p)[0],
                         symptom_id=purpose_ids(p)[1])
        for p, e in data.effects.items()
    ]
    evaluation.side_effects = [EvaluationSideEffect(side_effect_id=i)
                               for i in data.side_effect_ids]
    evaluation.updated_at = utcnow()


async def submit_evaluation(
    db: AsyncSession, runtime: Runtime, user: User, course: TreatmentCourse, form: Form
) -> tuple[Evaluation, Verdict | None]:
    """Record how the course works now; the tip is screened like a post."""
    data = await _evaluation_input(db, course, form)
    async with maintained(db, user.id, course.treatment_id):
        evaluation = Evaluation(course_id=course.id, user_id=user.id,
                                treatment_id=course.treatment_id, tip=data.tip,
                                effects=[], side_effects=[])
        _fill(evaluation, data)
        db.add(evaluation)
        await db.flush()
    verdict = await _screen_tip(db, runtime, user, evaluation)
    return evaluation, verdict


async def edit_evaluation(db: AsyncSession, runtime: Runtime, user: User,
                          course: TreatmentCourse, evaluation: Evaluation,
                          form: Form) -> Verdict | None:
    data = await _evaluation_input(db, course, form)
    async with maintained(db, user.id, course.treatment_id):
        tip_changed = data.tip != evaluation.tip
        evaluation.tip = data.tip
        # Old answers go first: the new ones may repeat their unique keys.
        evaluation.effects.clear()
        evaluation.side_effects.clear()
        await db.flush()
        _fill(evaluation, data)
    return await _screen_tip(db, runtime, user, evaluation) if tip_changed else None


async def set_visibility(db: AsyncSession, user: User, evaluation: Evaluation,
                         visibility: str) -> None:
    errors: dict[str, list[str]] = {}
    scales.check_choice(scales.VISIBILITY, visibility, errors)
    if errors:
        raise FormErrors(errors)
    # Aggregates ignore visibility; maintained anyway so every write takes the same path.
    async with maintained(db, user.id, evaluation.treatment_id):
        evaluation.visibility = visibility


async def delete_evaluation(db: AsyncSession, user: User, evaluation: Evaluation) -> None:
    async with maintained(db, user.id, evaluation.treatment_id):
        await db.delete(evaluation)


async def remove_person_outcomes(db: AsyncSession, user_id: int) -> int:
    """Erase a person's courses and evaluations and take them out of every summary."""
    treatment_ids = (await db.scalars(
        select(TreatmentCourse.treatment_id).where(TreatmentCourse.user_id == user_id).distinct()
    )).all()
    for treatment_id in treatment_ids:
        async with maintained(db, user_id, treatment_id):
            await db.execute(delete(Evaluation).where(Evaluation.user_id == user_id,
                                                      Evaluation.treatment_id == treatment_id))
            await db.execute(delete(TreatmentCourse).where(
                TreatmentCourse.user_id == user_id, TreatmentCourse.treatment_id == treatment_id))
    return len(treatment_ids)


# ---- reading one's own --------------------------------------------------------------------


async def my_courses(db: AsyncSession, user: User) -> Sequence[TreatmentCourse]:
    return (await db.scalars(
        select(TreatmentCourse)
        .where(TreatmentCourse.user_id == user.id)
        .options(selectinload(TreatmentCourse.doses), selectinload(TreatmentCourse.purposes))
        .order_by(TreatmentCourse.stopped_on.is_not(None), TreatmentCourse.started_on.desc(),
                  TreatmentCourse.id.desc())
    )).all()


async def course_evaluations(db: AsyncSession, course: TreatmentCourse) -> Sequence[Evaluation]:
    return (await db.scalars(
        select(Evaluation)
        .where(Evaluation.course_id == course.id)
        .options(selectinload(Evaluation.effects), selectinload(Evaluation.side_effects))
        .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc())
    )).all()


@dataclass
class Names:
    """Display names for the ids a page shows, loaded with one query per vocabulary."""

    treatments: dict[int, Treatment]
    conditions: dict[int, Condition]
    symptoms: dict[int, Symptom]
    side_effects: dict[int, SideEffect]

    def purpose(self, key: str) -> str:
        kind, _sep, raw = key.partition(":")
        table: Mapping[int, Condition | Symptom] = (
            self.conditions if kind == "condition" else self.symptoms)
        term = table.get(int(raw)) if raw.isdigit() else None
        return term.name if term else key


async def names_for(db: AsyncSession, *, treatments: Collection[int] = (),
                    purposes: Collection[str] = (), side_effects: Collection[int] = ()) -> Names:
    """Terms by id for what a page shows: at most one query per vocabulary, none if unused."""
    condition_ids = {int(k.split(":")[1]) for k in purposes if k.startswith("condition:")}
    symptom_ids = {int(k.split(":")[1]) for k in purposes if k.startswith("symptom:")}

    async def load(model: Any, ids: Collection[int]) -> dict[int, Any]:
        if not ids:
            return {}
        return {t.id: t for t in (await db.scalars(select(model).where(model.id.in_(ids)))).all()}

    return Names(await load(Treatment, treatments), await load(Condition, condition_ids),
                 await load(Symptom, symptom_ids), await load(SideEffect, side_effects))
