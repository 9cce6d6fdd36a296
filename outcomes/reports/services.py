"""Reading the treatment and condition reports: a fixed number of queries, whatever the data."""

from __future__ import annotations

import functools
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import Executable, Select, and_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from community.accounts.models import User
from community.communities.models import Community
from community.db import read_rows, short_read
from community.errors import NotFound
from community.i18n import gettext as _
from community.profiles.models import Profile, ProfileCondition
from outcomes.catalog.models import Condition, Symptom, Treatment
from outcomes.reports import cohorts, survival
from outcomes.reports.models import (
    CohortVersion,
    ConditionReportVersion,
    ConditionTreatmentCount,
    StoredCohortRelease,
    TreatmentAnswerCount,
    TreatmentSummary,
)
from outcomes.reports.summaries import STOPPED_AFTER, TIME_QUESTIONS
from outcomes.treatments import scales
from outcomes.treatments.access import shared_with, visible_tip
from outcomes.treatments.models import (
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
)
from outcomes.treatments.services import Names, names_for

logger = logging.getLogger(__name__)

SHARED_EVALUATIONS_SHOWN = 20
Distribution = list[tuple[str, int]]


class EffectShown(NamedTuple):
    purpose: str
    effectiveness: str


class SideEffectShown(NamedTuple):
    side_effect_id: int


@dataclass
class EvaluationShown:
    """An evaluation as its card shows it: the columns the card and `visible_tip` read, its
    effects and side effects, no ORM object (the cards are only displayed)."""

    id: int
    user_id: int
    evaluated_on: date
    visibility: str
    side_effect_severity: str
    adherence: str
    burden: str
    cost: str
    tip: str
    tip_status: str
    effects: list[EffectShown] = field(default_factory=list)
    side_effects: list[SideEffectShown] = field(default_factory=list)


@dataclass
class SharedEvaluation:
    evaluation: EvaluationShown
    username: str
    show_tip: bool


@dataclass
class SharedEvaluations:
    """The latest evaluations a viewer may read, with the names their answers need."""

    items: list[SharedEvaluation]
    names: Names


Row = tuple[str, str, int | None]
"""(answer key, label, patients); None is a count a narrowed release hides."""


@dataclass
class TreatmentReport:
    """The aggregate part of a treatment report: the same for every viewer."""

    treatment: AnyTreatment
    current_patients: int = 0
    former_patients: int = 0
    evaluations: int = 0
    purposes: list[Row] = field(default_factory=list)
    effectiveness: list[tuple[str, str, list[Row]]] = field(default_factory=list)
    """(purpose key, purpose name, answers)"""
    side_effect_severity: list[Row] = field(default_factory=list)
    side_effects: list[Row] = field(default_factory=list)
    adherence: list[Row] = field(default_factory=list)
    burden: list[Row] = field(default_factory=list)
    cost: list[Row] = field(default_factory=list)
    doses: list[Row] = field(default_factory=list)
    durations: list[Row] = field(default_factory=list)
    stop_reasons: list[Row] = field(default_factory=list)
    switched_to: list[Row] = field(default_factory=list)
    """Treatments people who stopped this one started afterwards (whole report only)."""

    @property
    def patients(self) -> int:
        return self.current_patients + self.former_patients


Answers = dict[str, dict[str, int | None]]
"""question -> answer -> patients (None: hidden by a narrowed release)."""


def _on_scale(scale: scales.Scale, counts: dict[str, int | None]) -> list[Row]:
    return [(value, label, counts.get(value, 0)) for value, label in scale.options()]


def _by_count(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: -(row[2] or 0))


def dose_label(answer: str) -> str:
    amount, unit, frequency, as_needed = [*answer.split("|"), "", "", "", "0"][:4]
    text = f"{amount} {scales.DOSE_UNIT.label(unit)}, {scales.FREQUENCY.label(frequency)}"
    return text + (f" ({_('as needed')})" if as_needed == "1" else "")


class TreatmentShown(NamedTuple):
    """A treatment as its report shows it: the `Treatment` columns the page reads (its units
    and conditions are not shown there, nor read), no ORM object."""

    id: int
    slug: str
    name: str
    synonyms: list[str]
    drug_class: str


class SummaryShown(NamedTuple):
    """A treatment's summary row (`TreatmentSummary`'s columns): its counts and version."""

    treatment_id: int
    current_patients: int
    former_patients: int
    evaluations: int
    version: int


AnyTreatment = Treatment | TreatmentShown
"""A treatment as read for a report page (plain columns) or as an ORM object elsewhere."""
AnySummary = TreatmentSummary | SummaryShown


async def treatment_with_summary(
    db: AsyncSession, slug: str
) -> tuple[TreatmentShown, SummaryShown | None]:
    """The treatment and its summary row (none before its first evaluation): one statement.

    The summary's `version` says whether a rendered report is still current."""
    treatment, summary, _cohort_version = await treatment_with_versions(db, slug)
    return treatment, summary


@functools.cache
def _treatment_with_versions_statement() -> Executable:
    cohort_version = (select(CohortVersion.version).where(CohortVersion.id == 1)
                      .scalar_subquery())
    return (
        select(Treatment.id, Treatment.slug, Treatment.name, Treatment.synonyms,
               Treatment.drug_class, TreatmentSummary.treatment_id,
               TreatmentSummary.current_patients, TreatmentSummary.former_patients,
               TreatmentSummary.evaluations, TreatmentSummary.version, cohort_version)
        .outerjoin(TreatmentSummary, TreatmentSummary.treatment_id == Treatment.id)
        .where(Treatment.slug == bindparam("slug"))
    )


async def treatment_with_versions(
    db: AsyncSession, slug: str
) -> tuple[TreatmentShown, SummaryShown | None, int]:
    """As `treatment_with_summary`, with the cohort version narrowed views also depend on,
    in the same one statement: built once, sent straight to the driver (`read_rows`), as
    plain columns (every view of a report reads them; the ORM's objects and execution cost
    more than the database spent answering). A short read (the treatment by its unique
    slug, the summary and the cohort version by their keys): on the event loop on SQLite."""
    with short_read():
        rows = await read_rows(db, _treatment_with_versions_statement(), {"slug": slug})
    if not rows:
        raise NotFound(_("We do not know this treatment."))
    row = rows[0]
    summary = None if row[5] is None else SummaryShown(*row[5:10])
    return TreatmentShown(*row[:5]), summary, int(row[10] or 0)


async def treatment_answers(db: AsyncSession, treatment_id: int) -> Answers:
    """Every answer count of a treatment, from the summary table (but the time on
    treatment's: see `time_on_treatment`)."""
    answers: Answers = defaultdict(dict)
    for question, answer, count in await db.execute(
        select(TreatmentAnswerCount.question, TreatmentAnswerCount.answer,
               TreatmentAnswerCount.count)
        .where(TreatmentAnswerCount.treatment_id == treatment_id, TreatmentAnswerCount.count > 0,
               TreatmentAnswerCount.question.not_in(TIME_QUESTIONS))
    ):
        answers[question][answer] = count
    return answers


async def report_names(db: AsyncSession, answers: Answers) -> Names:
    purposes = set(answers.get("purpose", {})) | {
        q.split(":", 1)[1] for q in answers if q.startswith("effectiveness:")
    }
    return await names_for(db, purposes=purposes,
                           side_effects={int(a) for a in answers.get("side_effect", {})})


def lay_out(report: TreatmentReport, answers: Answers, names: Names,
            order: TreatmentReport | None = None) -> TreatmentReport:
    """Fill a report's distributions from answer counts.

    Without `order` the open-ended lists (purposes, side effects, doses) are sorted by
    count; with it (a narrowed view) they keep the rows and order of the whole report, so
    a hidden count's place in a list tells nothing about it."""
    def get(question: str) -> dict[str, int | None]:
        return answers.get(question, {})

    if order is None:
        report.purposes = _by_count([(k, names.purpose(k), n) for k, n in get("purpose").items()])
        effect_keys = sorted(
            (q.split(":", 1)[1] for q in answers if q.startswith("effectiveness:")),
            key=lambda k: -sum(n or 0 for n in get(f"effectiveness:{k}").values()))
        report.side_effects = _by_count([
            (k, names.side_effects[int(k)].name, n) for k, n in get("side_effect").items()
            if int(k) in names.side_effects])[:10]
        report.doses = _by_count([(k, dose_label(k), n) for k, n in get("dose").items()])[:10]
    else:
        report.purposes = [(k, label, get("purpose").get(k, 0)) for k, label, _n in order.purposes]
        effect_keys = [k for k, _label, _rows in order.effectiveness]
        report.side_effects = [(k, label, get("side_effect").get(k, 0))
                               for k, label, _n in order.side_effects]
        report.doses = [(k, label, get("dose").get(k, 0)) for k, label, _n in order.doses]
    report.effectiveness = [
        (k, names.purpose(k), _on_scale(scales.EFFECTIVENESS, get(f"effectiveness:{k}")))
        for k in effect_keys
    ]
    report.side_effect_severity = _on_scale(scales.SIDE_EFFECT_SEVERITY,
                                            get("side_effect_severity"))
    report.adherence = _on_scale(scales.ADHERENCE, get("adherence"))
    report.burden = _on_scale(scales.BURDEN, get("burden"))
    report.cost = _on_scale(scales.COST, get("cost"))
    report.durations = _on_scale(scales.DURATION, get("duration"))
    report.stop_reasons = _on_scale(scales.STOP_REASON, get("stop_reason"))
    return report


async def treatment_report(db: AsyncSession, treatment: AnyTreatment,
                           summary: AnySummary | None,
                           whole: WholeReport | None = None) -> TreatmentReport:
    """The report's aggregates, read from the summary tables; `whole`, when given, is this
    version's `whole_report` already read (a narrowed release is ordered by the same one)."""
    report, _names = whole or await whole_report(db, treatment, summary)
    return replace(report, switched_to=await switched_to(db, treatment.id))


async def time_on_treatment(db: AsyncSession, treatment_id: int, today: date, *,
                            fewer_than: int) -> survival.Curve:
    """How long people stay on a treatment, as it may be drawn on `today`: from the summary
    table's days of former patients and start dates of current ones (one row per distinct
    day, whatever the number of patients)."""
    stopped: Counter[int] = Counter()
    ongoing: Counter[int] = Counter()
    for question, answer, count in await db.execute(
        select(TreatmentAnswerCount.question, TreatmentAnswerCount.answer,
               TreatmentAnswerCount.count)
        .where(TreatmentAnswerCount.treatment_id == treatment_id,
               TreatmentAnswerCount.question.in_(TIME_QUESTIONS), TreatmentAnswerCount.count > 0)
    ):
        if question == STOPPED_AFTER:
            stopped[int(answer)] += count
        else:
            ongoing[survival.days_on(date.fromisoformat(answer), None, today)] += count
    return survival.masked_curve(stopped, ongoing, fewer_than=fewer_than)


SWITCHES_SHOWN = 8


async def switched_to(db: AsyncSession, treatment_id: int) -> list[Row]:
    """Patients who stopped a treatment, by the other treatments they started after it
    (one person may count under several), most first; read once per report version."""
    stopped = aliased(TreatmentCourse)
    later = aliased(TreatmentCourse)
    rows = await db.execute(
        select(Treatment.slug, Treatment.name, func.count(func.distinct(stopped.user_id)))
        .join(later, later.treatment_id == Treatment.id)
        .join(stopped, (stopped.user_id == later.user_id)
              & (later.started_on > stopped.started_on))
        .where(stopped.treatment_id == treatment_id, stopped.stopped_on.is_not(None),
               later.treatment_id != treatment_id)
        .group_by(Treatment.slug, Treatment.name)
        .order_by(func.count(func.distinct(stopped.user_id)).desc(), Treatment.name)
        .limit(SWITCHES_SHOWN)
    )
    return [(slug, name, int(count)) for slug, name, count in rows]


async def _evaluations_with_names(db: AsyncSession, where: Any,
                                  viewer: User | None) -> SharedEvaluations:
    # Three statements, as loading the objects with their two collections took, as rows.
    rows = (await db.execute(
        select(Evaluation.id, Evaluation.user_id, Evaluation.evaluated_on,
               Evaluation.visibility, Evaluation.side_effect_severity, Evaluation.adherence,
               Evaluation.burden, Evaluation.cost, Evaluation.tip, Evaluation.tip_status,
               User.username)
        .join(User, User.id == Evaluation.user_id)
        .where(where)
        .order_by(Evaluation.evaluated_on.desc(), Evaluation.id.desc())
        .limit(SHARED_EVALUATIONS_SHOWN)
    )).all()
    shown = {row[0]: EvaluationShown(*row[:10]) for row in rows}
    if shown:
        for evaluation_id, purpose, effectiveness in await db.execute(
            select(EvaluationEffect.evaluation_id, EvaluationEffect.purpose,
                   EvaluationEffect.effectiveness)
            .where(EvaluationEffect.evaluation_id.in_(shown)).order_by(EvaluationEffect.id)
        ):
            shown[evaluation_id].effects.append(EffectShown(purpose, effectiveness))
        for evaluation_id, side_effect_id in await db.execute(
            select(EvaluationSideEffect.evaluation_id, EvaluationSideEffect.side_effect_id)
            .where(EvaluationSideEffect.evaluation_id.in_(shown))
            .order_by(EvaluationSideEffect.evaluation_id, EvaluationSideEffect.side_effect_id)
        ):
            shown[evaluation_id].side_effects.append(SideEffectShown(side_effect_id))
    items = [SharedEvaluation(shown[row[0]], row[10], visible_tip(viewer, shown[row[0]]))
             for row in rows]
    purposes = {effect.purpose for s in items for effect in s.evaluation.effects}
    side_effects = {s.side_effect_id for item in items for s in item.evaluation.side_effects}
    names = await names_for(db, purposes=purposes, side_effects=side_effects)
    return SharedEvaluations(items, names)


@dataclass(frozen=True)
class EvaluationCard:
    """One shared evaluation, rendered."""

    evaluated_on: date
    id: int
    author_id: int
    html: Markup


def latest_cards(shared_with_audience: list[EvaluationCard], own: list[EvaluationCard],
                 viewer: User | None) -> list[EvaluationCard]:
    """What a viewer reads: the latest of what others shared with the viewer's audience
    (the same for everyone in it) and the viewer's own evaluations, rendered for them."""
    others = [card for card in shared_with_audience
              if viewer is None or card.author_id != viewer.id]
    cards = sorted([*others, *own], key=lambda c: (c.evaluated_on, c.id), reverse=True)
    return cards[:SHARED_EVALUATIONS_SHOWN]


async def own_evaluations(db: AsyncSession, treatment_id: int, viewer: User) -> SharedEvaluations:
    """The viewer's own latest evaluations of a treatment, whatever their visibility."""
    return await _evaluations_with_names(
        db, (Evaluation.treatment_id == treatment_id) & (Evaluation.user_id == viewer.id),
        viewer)


async def audience_evaluations(db: AsyncSession, treatment_id: int,
                               audience_name: str) -> SharedEvaluations:
    """The latest evaluations shared with an audience, tips as any reader other than their
    author sees them (`visible_tip`)."""
    return await _evaluations_with_names(
        db, (Evaluation.treatment_id == treatment_id) & shared_with(audience_name), None)


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
    name: str
    patients: int
    severities: Distribution


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


async def condition_with_version(db: AsyncSession, slug: str) -> tuple[Condition, int | None]:
    """The condition and the version of its treatment counts (none before the first): one
    statement."""
    row = (await db.execute(
        select(Condition, ConditionReportVersion.version)
        .outerjoin(ConditionReportVersion, ConditionReportVersion.condition_id == Condition.id)
        .where(Condition.slug == slug)
    )).first()
    if row is None:
        raise NotFound(_("We do not know this condition."))
    return row[0], row[1]


class ConditionShown(NamedTuple):
    """A condition as its page shows it: plain columns, no ORM object."""

    id: int
    slug: str
    name: str
    icd10: str
    synonyms: list[str]
    description: str


SymptomCounts = tuple[tuple[int, str, int, int], ...]  # symptom id, name, severity, patients


class ConditionPage(NamedTuple):
    """What the condition page reads: the condition, the version of its treatment counts
    (None before the first) and its symptom summary rows (they also key the rendered table)."""

    condition: ConditionShown
    version: int | None
    symptoms: SymptomCounts


@functools.cache
def _condition_page_statement() -> Select[Any]:
    """The condition by its slug, its counts' version and its symptom summary, one row per
    (symptom, severity) with patients (one row of NULLs for none): built once, the slug bound."""
    summary = _symptom_summary_model()
    return (
        select(Condition.id, Condition.slug, Condition.name, Condition.icd10,
               Condition.synonyms, Condition.description, ConditionReportVersion.version,
               Symptom.id, Symptom.name, summary.severity, summary.patients)
        .outerjoin(ConditionReportVersion, ConditionReportVersion.condition_id == Condition.id)
        .outerjoin(summary, and_(summary.condition_id == Condition.id, summary.patients > 0))
        .outerjoin(Symptom, Symptom.id == summary.symptom_id)
        .where(Condition.slug == bindparam("slug"))
        .order_by(Symptom.id, summary.severity)
    )


async def condition_page(db: AsyncSession, slug: str) -> ConditionPage:
    """The condition page's reads in one statement, sent straight to the driver (`read_rows`:
    the rows are only shown; building a `Condition` through the ORM and a second statement
    for the symptoms, or even SQLAlchemy's Core execution, cost more than the database spent
    answering)."""
    rows = await read_rows(db, _condition_page_statement(), {"slug": slug})
    if not rows:
        raise NotFound(_("We do not know this condition."))
    first = rows[0]
    return ConditionPage(
        ConditionShown(*first[:6]), first[6],
        tuple((row[7], row[8], row[9], row[10]) for row in rows if row[7] is not None))


async def condition_treatments(db: AsyncSession, condition: Condition | ConditionShown,
                               limit: int = 50) -> list[ConditionTreatmentRow]:
    rows = (await db.execute(
        select(Treatment, ConditionTreatmentCount)
        .join(ConditionTreatmentCount, ConditionTreatmentCount.treatment_id == Treatment.id)
        .where(ConditionTreatmentCount.condition_id == condition.id,
               ConditionTreatmentCount.patients > 0)
        .order_by(ConditionTreatmentCount.patients.desc(), Treatment.name)
        .limit(limit)
    )).all()
    return [ConditionTreatmentRow(t, c) for t, c in rows]


def symptom_rows(counts: SymptomCounts) -> list[SymptomRow]:
    """The most reported symptoms, with their patients by severity."""
    by_symptom: dict[int, dict[int, int]] = defaultdict(dict)
    names: dict[int, str] = {}
    for symptom_id, name, severity, patients in counts:
        names[symptom_id] = name
        by_symptom[symptom_id][int(severity)] = patients
    return sorted(
        (SymptomRow(names[sid], sum(levels.values()),
                    [(_severity_label(v), n) for v, n in sorted(levels.items())])
         for sid, levels in by_symptom.items()),
        key=lambda row: (-row.patients, row.name),
    )[:15]


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
    """A condition's most reported treatments, one summary query (for community pages), sent
    straight to the driver (`read_rows`): three columns, only shown."""
    rows = await read_rows(db, _most_reported_statement(),
                           {"condition_slug": condition_slug, "limit": limit})
    return [TopTreatment(slug, name, patients) for slug, name, patients in rows]


@functools.cache
def _most_reported_statement() -> Select[str, str, int]:
    return (
        select(Treatment.slug, Treatment.name, ConditionTreatmentCount.patients)
        .join(ConditionTreatmentCount, ConditionTreatmentCount.treatment_id == Treatment.id)
        .join(Condition, Condition.id == ConditionTreatmentCount.condition_id)
        .where(Condition.slug == bindparam("condition_slug"),
               ConditionTreatmentCount.patients > 0)
        .order_by(ConditionTreatmentCount.patients.desc(), Treatment.name)
        .limit(bindparam("limit"))
    )


# People like me ------------------------------------------------------------------------------


@dataclass
class NarrowedReport:
    """A treatment report narrowed to a group: a slice of the version's one release."""

    narrowing: cohorts.Narrowing
    patients: int | None
    """None when the release hides the group's size."""
    report: TreatmentReport | None
    """None when the group has too few people to show anything."""


WholeReport = tuple[TreatmentReport, Names]
"""A version's whole report without its switches, and the names of its answers."""


@dataclass
class ReleaseBundle:
    release: cohorts.Release
    whole: TreatmentReport
    names: Names
    key: tuple[Any, ...] = ()
    """Everything the release depends on (set by whoever caches it)."""
    unstored: dict[str, Any] | None = None
    """The row that keeps a release built here for every process, until it is written."""


@dataclass(frozen=True)
class ReleaseBasis:
    """Everything a treatment's narrowed release is built from."""

    treatment_version: int
    cohort_version: int
    year: int
    fewer_than: int


def _shown(whole: TreatmentReport) -> set[tuple[str, str]]:
    """The answers a narrowed report shows: those of the whole report's distributions."""
    shown = {(f"effectiveness:{key}", value) for key, _name, rows in whole.effectiveness
             for value, _label, _n in rows}
    shown |= {(question, key) for question, rows in (
        ("side_effect_severity", whole.side_effect_severity), ("side_effect", whole.side_effects),
        ("adherence", whole.adherence), ("burden", whole.burden), ("cost", whole.cost),
        ("dose", whole.doses), ("duration", whole.durations), ("stop_reason", whole.stop_reasons),
    ) for key, _label, _n in rows}
    return shown


async def whole_report(db: AsyncSession, treatment: AnyTreatment,
                       summary: AnySummary | None) -> WholeReport:
    """The whole report's distributions (which also order a narrowed one) and their names:
    the same for every viewer of one summary version, so it may be kept under it."""
    whole = TreatmentReport(treatment)
    if summary is not None:
        whole.current_patients = summary.current_patients
        whole.former_patients = summary.former_patients
        whole.evaluations = summary.evaluations
    answers = await treatment_answers(db, treatment.id)
    names = await report_names(db, answers)
    return lay_out(whole, answers, names), names


async def cohort_release(db: AsyncSession, treatment: AnyTreatment,
                         summary: AnySummary | None, *, fewer_than: int,
                         choices: cohorts.Choices | None = None) -> ReleaseBundle:
    """The whole report and its narrowed release, built afresh (see cohorts)."""
    whole, names = await whole_report(db, treatment, summary)
    if choices is None:
        choices = await cohorts.narrowing_choices(db, treatment.id, fewer_than=fewer_than)
    release = await cohorts.build_release(db, treatment.id, _shown(whole), choices=choices,
                                          fewer_than=fewer_than, this_year=cohorts.this_year())
    return ReleaseBundle(release, whole, names)


async def current_release(db: AsyncSession, treatment: AnyTreatment,
                          summary: AnySummary | None, basis: ReleaseBasis, *,
                          choices: cohorts.Choices,
                          whole_read: WholeReport | None = None) -> ReleaseBundle:
    """The narrowed release of `basis`: read as stored when another request or process
    built it, else built here, with the row that stores it in `unstored` for the caller to
    write apart from this request (`store_release`). `whole_read`: this version's
    `whole_report`, if read."""
    whole, names = whole_read or await whole_report(db, treatment, summary)
    data = await db.scalar(select(StoredCohortRelease.built).where(
        StoredCohortRelease.treatment_id == treatment.id,
        StoredCohortRelease.treatment_version == basis.treatment_version,
        StoredCohortRelease.cohort_version == basis.cohort_version,
        StoredCohortRelease.year == basis.year,
        StoredCohortRelease.fewer_than == basis.fewer_than))
    if data is not None:
        return ReleaseBundle(cohorts.load_release(data, choices), whole, names)
    release = await cohorts.build_release(db, treatment.id, _shown(whole), choices=choices,
                                          fewer_than=basis.fewer_than, this_year=basis.year)
    row = {"treatment_id": treatment.id, "treatment_version": basis.treatment_version,
           "cohort_version": basis.cohort_version, "year": basis.year,
           "fewer_than": basis.fewer_than, "built": cohorts.dump_release(release)}
    return ReleaseBundle(release, whole, names, unstored=row)


async def store_release(store: Callable[[], AbstractAsyncContextManager[AsyncSession]],
                        row: dict[str, Any]) -> None:
    """Keep a built release for every process, through `store`: a write transaction of its
    own, taken once the building request has given its connection back. (Taken while the
    request still held its own, sixteen readers building at once on SQLite each waited for a
    second connection from a pool they had emptied between them.)"""
    try:
        async with store() as writer:
            insert = (postgresql.insert if writer.get_bind().dialect.name == "postgresql"
                      else sqlite.insert)(StoredCohortRelease).values(row)
            await writer.execute(insert.on_conflict_do_update(
                index_elements=["treatment_id"],
                set_={column: insert.excluded[column] for column in row
                      if column != "treatment_id"}))
    except SQLAlchemyError:
        # Keeping it is an optimisation: this process still has it, the next builds it.
        logger.warning("could not store the narrowed release of treatment %s",
                       row["treatment_id"], exc_info=True)


def narrowed_report(bundle: ReleaseBundle, narrowing: cohorts.Narrowing,
                    fewer_than: int) -> NarrowedReport:
    """One narrowing of a release; a group of fewer than `fewer_than` shows nothing."""
    release = bundle.release
    patients = release.patients_in(narrowing)
    if not release.large_enough(narrowing, fewer_than):
        return NarrowedReport(narrowing, None, None)
    report = lay_out(TreatmentReport(bundle.whole.treatment), release.answers_in(narrowing),
                     bundle.names, order=bundle.whole)
    return NarrowedReport(narrowing, patients, report)


async def viewer_narrowing(db: AsyncSession, viewer: User, choices: cohorts.Choices,
                           ) -> cohorts.Narrowing:
    """"People like me": the viewer's own age band, sex and first condition on offer with
    its years since diagnosis (whatever is missing stays "anyone")."""
    profile = (await db.execute(select(Profile.age_band, Profile.sex)
                                .where(Profile.user_id == viewer.id))).first()
    offered = {value for value, _label in choices.condition}
    rows = (await db.execute(
        select(Condition.id, ProfileCondition.diagnosed_year)
        .join(Community, Community.id == ProfileCondition.community_id)
        .join(Condition, Condition.slug == Community.condition_slug)
        .where(ProfileCondition.user_id == viewer.id)
        .order_by(ProfileCondition.id)
    )).all()
    condition, years = "", ""
    for condition_id, diagnosed_year in rows:
        if str(condition_id) in offered:
            condition = str(condition_id)
            band = cohorts.year_band(diagnosed_year, cohorts.this_year())
            years = "" if band == cohorts.NOT_STATED else band
            break
    narrowing = cohorts.Narrowing(
        cohorts.AGE_GROUP_OF.get(profile.age_band or "", "") if profile else "",
        (profile.sex or "") if profile else "",
        condition, years)
    return choices.valid(narrowing)


# Comparing treatments --------------------------------------------------------------------------

COMPARED_AT_MOST = 4


@dataclass
class ComparedTreatment:
    treatment: Treatment
    summary: TreatmentSummary | None
    report: TreatmentReport | None = None

    @property
    def version(self) -> int | None:
        return None if self.summary is None else self.summary.version


async def compared_treatments(db: AsyncSession, condition: Condition,
                              slugs: Sequence[str]) -> list[ComparedTreatment]:
    """Two to four treatments patients take for a condition, with their summary rows (one
    statement); slugs of treatments nobody takes for it are left out."""
    wanted = list(dict.fromkeys(slugs))[:COMPARED_AT_MOST]
    rows = (await db.execute(
        select(Treatment, TreatmentSummary)
        .join(ConditionTreatmentCount, ConditionTreatmentCount.treatment_id == Treatment.id)
        .outerjoin(TreatmentSummary, TreatmentSummary.treatment_id == Treatment.id)
        .where(ConditionTreatmentCount.condition_id == condition.id,
               ConditionTreatmentCount.patients > 0, Treatment.slug.in_(wanted))
    )).all()
    by_slug = {t.slug: ComparedTreatment(t, s) for t, s in rows}
    return [by_slug[slug] for slug in wanted if slug in by_slug]


async def fill_compared_reports(db: AsyncSession, compared: list[ComparedTreatment]) -> None:
    """Each compared treatment's report aggregates (a fixed number of queries per treatment,
    at most four treatments)."""
    for item in compared:
        item.report = await treatment_report(db, item.treatment, item.summary)
