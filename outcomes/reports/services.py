"""Reading the treatment and condition reports: a fixed number of queries, whatever the data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.i18n import gettext as _
from outcomes.catalog.models import Condition, Symptom, Treatment
from outcomes.reports.models import ConditionTreatmentCount, TreatmentAnswerCount, TreatmentSummary
from outcomes.treatments import scales
from outcomes.treatments.access import visible_evaluations, visible_tip
from outcomes.treatments.models import Evaluation
from outcomes.treatments.services import Names, names_for

SHARED_EVALUATIONS_SHOWN = 20
Distribution = list[tuple[str, int]]


@dataclass
class SharedEvaluation:
    evaluation: Evaluation
    username: str
    show_tip: bool


@dataclass
class TreatmentReport:
    treatment: Treatment
    current_patients: int = 0
    former_patients: int = 0
    evaluations: int = 0
    purposes: Distribution = field(default_factory=list)
    effectiveness: list[tuple[str, Distribution]] = field(default_factory=list)
    side_effect_severity: Distribution = field(default_factory=list)
    side_effects: Distribution = field(default_factory=list)
    adherence: Distribution = field(default_factory=list)
    burden: Distribution = field(default_factory=list)
    cost: Distribution = field(default_factory=list)
    doses: Distribution = field(default_factory=list)
    durations: Distribution = field(default_factory=list)
    stop_reasons: Distribution = field(default_factory=list)
    shared: list[SharedEvaluation] = field(default_factory=list)
    names: Names | None = None

    @property
    def patients(self) -> int:
        return self.current_patients + self.former_patients


def _on_scale(scale: scales.Scale, counts: dict[str, int]) -> Distribution:
    return [(label, counts.get(value, 0)) for value, label in scale.options()]


def dose_label(answer: str) -> str:
    amount, unit, frequency, as_needed = [*answer.split("|"), "", "", "", "0"][:4]
    text = f"{amount} {scales.DOSE_UNIT.label(unit)}, {scales.FREQUENCY.label(frequency)}"
    return text + (f" ({_('as needed')})" if as_needed == "1" else "")


async def treatment_by_slug(db: AsyncSession, slug: str) -> Treatment:
    treatment = await db.scalar(select(Treatment).where(Treatment.slug == slug))
    if treatment is None:
        raise NotFoundException(detail=_("We do not know this treatment."))
    return treatment


async def treatment_report(db: AsyncSession, slug: str, viewer: User | None) -> TreatmentReport:
    """Everything the report page shows, read from the summary tables."""
    treatment = await treatment_by_slug(db, slug)
    report = TreatmentReport(treatment)
    summary = await db.get(TreatmentSummary, treatment.id)
    if summary is not None:
        report.current_patients = summary.current_patients
        report.former_patients = summary.former_patients
        report.evaluations = summary.evaluations
    answers: dict[str, dict[str, int]] = defaultdict(dict)
    for question, answer, count in await db.execute(
        select(TreatmentAnswerCount.question, TreatmentAnswerCount.answer,
               TreatmentAnswerCount.count)
        .where(TreatmentAnswerCount.treatment_id == treatment.id, TreatmentAnswerCount.count > 0)
    ):
        answers[question][answer] = count
    rows = (await db.execute(
        select(Evaluation, User.username)
        .join(User, User.id == Evaluation.user_id)
        .where(Evaluation.treatment_id == treatment.id, visible_evaluations(viewer))
        .options(selectinload(Evaluation.effects), selectinload(Evaluation.side_effects))
        .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc())
        .limit(SHARED_EVALUATIONS_SHOWN)
    )).all()
    report.shared = [SharedEvaluation(e, username, visible_tip(viewer, e)) for e, username in rows]
    purposes = set(answers["purpose"]) | {
        q.split(":", 1)[1] for q in answers if q.startswith("effectiveness:")
    } | {effect.purpose for s in report.shared for effect in s.evaluation.effects}
    side_effect_ids = {int(a) for a in answers["side_effect"]} | {
        s.side_effect_id for shared in report.shared for s in shared.evaluation.side_effects
    }
    names = await names_for(db, purposes=purposes, side_effects=side_effect_ids)
    report.names = names
    report.purposes = sorted(((names.purpose(k), n) for k, n in answers["purpose"].items()),
                             key=lambda item: -item[1])
    report.effectiveness = sorted(
        ((names.purpose(q.split(":", 1)[1]), _on_scale(scales.EFFECTIVENESS, counts))
         for q, counts in answers.items() if q.startswith("effectiveness:")),
        key=lambda item: -sum(n for _label, n in item[1]),
    )
    report.side_effect_severity = _on_scale(scales.SIDE_EFFECT_SEVERITY,
                                            answers["side_effect_severity"])
    report.side_effects = sorted(
        ((names.side_effects[int(k)].name, n) for k, n in answers["side_effect"].items()
         if int(k) in names.side_effects),
        key=lambda item: -item[1],
    )[:10]
    report.adherence = _on_scale(scales.ADHERENCE, answers["adherence"])
    report.burden = _on_scale(scales.BURDEN, answers["burden"])
    report.cost = _on_scale(scales.COST, answers["cost"])
    report.doses = sorted(((dose_label(k), n) for k, n in answers["dose"].items()),
                          key=lambda item: -item[1])[:10]
    report.durations = _on_scale(scales.DURATION, answers["duration"])
    report.stop_reasons = _on_scale(scales.STOP_REASON, answers["stop_reason"])
    return report


@dataclass
class ConditionTreatmentRow:
    treatment: Treatment
    counts: ConditionTreatmentCount

    @property
    def effectiveness(self) -> Distribution:
        return [(label, getattr(self.counts, f"effect_{value}"))
                for value, label in scales.EFFECTIVENESS.options()]


@dataclass
class SymptomRow:
    symptom: Symptom
    patients: int
    severities: Distribution


@dataclass
class ConditionReport:
    condition: Condition
    treatments: list[ConditionTreatmentRow]
    symptoms: list[SymptomRow] | None  # None until symptom tracking provides its summary


def _symptom_summary_model() -> Any:
    from outcomes.tracking import models as tracking_models

    return getattr(tracking_models, "SymptomSummary", None)


def _severity_label(value: int) -> str:
    from outcomes.tracking import models as tracking_models

    severity = getattr(tracking_models, "Severity", None)
    try:
        return str(severity(value).label) if severity is not None else str(value)
    except ValueError:
        return str(value)


async def condition_report(db: AsyncSession, slug: str, limit: int = 50) -> ConditionReport:
    condition = await db.scalar(select(Condition).where(Condition.slug == slug))
    if condition is None:
        raise NotFoundException(detail=_("We do not know this condition."))
    rows = (await db.execute(
        select(Treatment, ConditionTreatmentCount)
        .join(ConditionTreatmentCount, ConditionTreatmentCount.treatment_id == Treatment.id)
        .where(ConditionTreatmentCount.condition_id == condition.id,
               ConditionTreatmentCount.patients > 0)
        .order_by(ConditionTreatmentCount.patients.desc(), Treatment.name)
        .limit(limit)
    )).all()
    treatments = [ConditionTreatmentRow(t, c) for t, c in rows]
    summary_model = _symptom_summary_model()
    symptoms: list[SymptomRow] | None = None
    if summary_model is not None:
        by_symptom: dict[int, dict[int, int]] = defaultdict(dict)
        names: dict[int, Symptom] = {}
        for symptom, severity, patients in await db.execute(
            select(Symptom, summary_model.severity, summary_model.patients)
            .join(summary_model, summary_model.symptom_id == Symptom.id)
            .where(summary_model.condition_id == condition.id, summary_model.patients > 0)
        ):
            names[symptom.id] = symptom
            by_symptom[symptom.id][int(severity)] = patients
        symptoms = sorted(
            (SymptomRow(names[sid], sum(levels.values()),
                        [(_severity_label(v), n) for v, n in sorted(levels.items())])
             for sid, levels in by_symptom.items()),
            key=lambda row: (-row.patients, row.symptom.name),
        )[:15]
    return ConditionReport(condition, treatments, symptoms)


def most_common(distribution: Sequence[tuple[str, int]]) -> str:
    """The label with the most patients, or an empty string when nobody answered."""
    best = max(distribution, key=lambda item: item[1], default=("", 0))
    return best[0] if best[1] else ""


@dataclass(frozen=True)
class TopTreatment:
    slug: str
    name: str
    patients: int


async def most_reported_treatments(
    db: AsyncSession, condition_slug: str, limit: int = 5
) -> list[TopTreatment]:
    """A condition's most reported treatments, one summary query (for community pages)."""
    rows = await db.execute(
        select(Treatment.slug, Treatment.name, ConditionTreatmentCount.patients)
        .join(ConditionTreatmentCount, ConditionTreatmentCount.treatment_id == Treatment.id)
        .join(Condition, Condition.id == ConditionTreatmentCount.condition_id)
        .where(Condition.slug == condition_slug, ConditionTreatmentCount.patients > 0)
        .order_by(ConditionTreatmentCount.patients.desc(), Treatment.name)
        .limit(limit)
    )
    return [TopTreatment(slug, name, patients) for slug, name, patients in rows]
