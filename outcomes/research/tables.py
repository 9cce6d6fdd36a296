"""The research table catalogue: fixed, documented aggregate tables over consenting patients.

Each table is one query returning distinct (patient, cell) pairs; the cube counts distinct
patients per cell. No free text, no identifiers: every dimension is a curated slug, a band or
a coarse date (month at the finest). Ages come in the profile's bands, open-ended at 85+ (so
90+ is always collapsed); without noise, rare conditions, treatments, countries and terms are
folded into "Other" before suppression.

Which categories a release has is fixed before its data are read, so that a category's mere
presence never says that someone is in it: the time dimension lists every period from a
declared start (`Settings.research_since`) to the snapshot's date, after one category for
everything earlier (`Periods`); answers, bands, measures, sexes and age bands list their whole
scale; and under noise the vocabulary dimensions list every term of the vocabulary. Empty
categories are cells like any other: zero, or noised and suppressed by the same rule.

A table is computed once per data snapshot as the full cube over all its dimensions, filter
dimensions included (`compute_release`), recorded (`store_release`), and every export is a
slice of it (`published_table`). A table whose source models are missing is unavailable.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql import Executable

from community.communities.models import Community
from community.profiles.models import Profile, ProfileCondition
from community.settings import DEFAULT_RESEARCH_SINCE
from outcomes.catalog.models import Condition, SideEffect, Symptom, Treatment
from outcomes.research.cube import Cube, fold_rare
from outcomes.research.disclosure import (
    DEFAULT_THRESHOLD,
    PublishedTable,
    Release,
    build_release,
    slice_release,
)
from outcomes.research.models import ConsentRecord, DataSnapshot, StoredRelease
from outcomes.tracking.models import QuestionnaireAnswer, SymptomEntry
from outcomes.treatments import scales
from outcomes.treatments.models import (
    CoursePurpose,
    Evaluation,
    EvaluationEffect,
    EvaluationSideEffect,
    TreatmentCourse,
)

OTHER = "Other"
UNKNOWN = "Unknown"
# The profile's own bands: ten-year, open-ended at 85+, so 90+ is always collapsed.
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
SEXES = ("female", "male", "intersex", UNKNOWN)
SEVERITIES = ("none", "mild", "moderate", "severe")
# Filters every table understands, where it has the dimension (or a finer date for years).
FILTER_DIMENSIONS = ("condition", "treatment")
FOLDED = frozenset({"condition", "treatment", "country", "side_effect", "symptom", "instrument",
                    "purpose"})
TIME_UNITS = ("year", "quarter", "month")

Pairs = Iterable[tuple[int, tuple[str, ...]]]
Query = Callable[[AsyncSession, Select[Any], DataSnapshot], Awaitable[Pairs]]


@dataclass(frozen=True)
class TableSpec:
    """One catalogue table: its dimensions, how it is computed and what it needs."""

    name: str
    title: str
    description: str
    dimensions: tuple[str, ...]
    query: Query
    # Fixed category lists. The time dimension takes its `Periods`, the vocabulary dimensions
    # (FOLDED) their vocabulary, and a dimension with none of these is refused.
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The columns the table reads, named by reference: a renamed one fails at import.
    requires: tuple[QueryableAttribute[Any], ...] = ()
    # How many cells one patient may count in under noise (the L1 sensitivity).
    max_contributions: int = 1

    @property
    def time_dimension(self) -> str | None:
        return next((d for d in TIME_UNITS if d in self.dimensions), None)

    def available(self) -> bool:
        """Whether every column the table reads is mapped in this installation."""
        return all(isinstance(column, QueryableAttribute) for column in self.requires)


# ---- consent ---------------------------------------------------------------------------------


def consenting_users(at: datetime) -> Select[Any]:
    """Ids of people whose newest consent record at `at` is a grant."""
    latest = (
        select(ConsentRecord.user_id, func.max(ConsentRecord.id).label("last_id"))
        .where(ConsentRecord.at <= at)
        .group_by(ConsentRecord.user_id)
        .subquery()
    )
    return select(latest.c.user_id).join(
        ConsentRecord, and_(ConsentRecord.id == latest.c.last_id, ConsentRecord.granted.is_(True))
    )


# ---- coarsening ------------------------------------------------------------------------------


def age_band(value: Any) -> str:
    """A profile band, or an age in years placed in one; 85 and over are one band."""
    text = str(getattr(value, "value", value) if value is not None else "").strip()
    if text in AGE_BANDS:
        return text
    digits = "".join(ch if ch.isdigit() else " " for ch in text).split()
    if not digits or int(digits[0]) < 18:
        return UNKNOWN
    low = int(digits[0])
    if low >= 85:
        return "85+"
    return next(b for b in AGE_BANDS[:-1] if int(b.split("-")[0]) <= low <= int(b.split("-")[1]))


def sex_category(value: Any) -> str:
    text = str(getattr(value, "value", value) or "").strip().lower()
    return text if text in SEXES else UNKNOWN


def severity_label(value: Any) -> str:
    return SEVERITIES[value] if isinstance(value, int) and 0 <= value < len(SEVERITIES) else UNKNOWN


def label(value: Any) -> str:
    text = str(getattr(value, "value", value) if value is not None else "").strip()
    return text or UNKNOWN


def month_of(day: date | datetime | None) -> str:
    return f"{day.year:04d}-{day.month:02d}" if day else UNKNOWN


def quarter_of(day: date | datetime | None) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}" if day else UNKNOWN


def year_of(day: date | datetime | None) -> str:
    return f"{day.year:04d}" if day else UNKNOWN


PERIOD_OF: dict[str, Callable[[date | datetime | None], str]] = {
    "year": year_of, "quarter": quarter_of, "month": month_of}
_MONTHS_PER = {"year": 12, "quarter": 3, "month": 1}


@dataclass(frozen=True)
class Periods:
    """The categories of a time dimension, known before any data are read: everything before
    the period holding `since`, then every period from it to the one holding `until` (the
    snapshot's date), whether or not anyone had an event in it.

    Labels sort as they run in time ("2019-12" < "2020-01"), which `place` relies on.
    """

    unit: str
    since: date
    until: date

    @property
    def earlier(self) -> str:
        """The category of every event before the first period."""
        return f"before {PERIOD_OF[self.unit](self.since)}"

    @property
    def categories(self) -> tuple[str, ...]:
        step = _MONTHS_PER[self.unit]
        month = self.since.year * 12 + self.since.month - 1
        month -= month % step  # the first month of the period holding `since`
        last = self.until.year * 12 + self.until.month - 1
        labels = []
        while month <= last:
            labels.append(PERIOD_OF[self.unit](date(month // 12, month % 12 + 1, 1)))
            month += step
        return (self.earlier, *labels)

    def place(self, label: str) -> str | None:
        """The category of an event's period; None after the snapshot's period (or undated):
        the release counts what had happened by its snapshot."""
        first = PERIOD_OF[self.unit](self.since)
        if label == UNKNOWN or not label[:4].isdigit():
            return None
        if label < first:
            return self.earlier
        return label if label <= PERIOD_OF[self.unit](self.until) else None


# ---- the queries -----------------------------------------------------------------------------


async def _rows(db: AsyncSession, statement: Executable) -> list[Any]:
    return list((await db.execute(statement)).all())


async def _patients(db: AsyncSession, consenting: Select[Any], _s: DataSnapshot) -> Pairs:
    from community.communities.models import Community
    from community.profiles.models import Profile, ProfileCondition

    rows = await _rows(db, (
        select(Profile.user_id, Community.condition_slug, Profile.age_band, Profile.sex,
               Profile.country)
        .join(ProfileCondition, ProfileCondition.user_id == Profile.user_id)
        .join(Community, Community.id == ProfileCondition.community_id)
        .where(Profile.user_id.in_(consenting))
    ))
    return [(r[0], (label(r[1]), age_band(r[2]), sex_category(r[3]), label(r[4]))) for r in rows]


async def _treatment_use(db: AsyncSession, consenting: Select[Any], _s: DataSnapshot) -> Pairs:
    from outcomes.catalog.models import Condition, Treatment
    from outcomes.treatments.models import CoursePurpose, TreatmentCourse

    # Courses taken for a condition; purposes that are symptoms have no condition to count.
    rows = await _rows(db, (
        select(TreatmentCourse.user_id, Condition.slug, Treatment.slug, TreatmentCourse.started_on)
        .join(Treatment, Treatment.id == TreatmentCourse.treatment_id)
        .join(CoursePurpose, CoursePurpose.course_id == TreatmentCourse.id)
        .join(Condition, Condition.id == CoursePurpose.condition_id)
        .where(TreatmentCourse.user_id.in_(consenting))
    ))
    return [(r[0], (label(r[1]), label(r[2]), year_of(r[3]))) for r in rows]


EVALUATION_MEASURES = ("side_effect_severity", "adherence", "burden", "cost")
# Every answer of every measure (one list: the measure and the answer are two dimensions).
EVALUATION_ANSWERS = (*dict.fromkeys(
    value for scale in (scales.SIDE_EFFECT_SEVERITY, scales.ADHERENCE, scales.BURDEN,
                        scales.COST) for value in scale.values), UNKNOWN)
EFFECTIVENESS_ANSWERS = (*scales.EFFECTIVENESS.values, UNKNOWN)


async def _evaluation_answers(db: AsyncSession, consenting: Select[Any],
                              _s: DataSnapshot) -> Pairs:
    from outcomes.catalog.models import Treatment
    from outcomes.treatments.models import Evaluation

    answers = select(Evaluation.user_id, Treatment.slug, Evaluation.evaluated_on,
                     *(getattr(Evaluation, m) for m in EVALUATION_MEASURES))
    pairs = []
    for row in await _rows(db, answers.join(Treatment, Treatment.id == Evaluation.treatment_id)
                           .where(Evaluation.user_id.in_(consenting))):
        for measure, answer in zip(EVALUATION_MEASURES, row[3:], strict=True):
            if answer:
                pairs.append((row[0], (label(row[1]), year_of(row[2]), measure, label(answer))))
    return pairs


async def _effectiveness(db: AsyncSession, consenting: Select[Any], _s: DataSnapshot) -> Pairs:
    from outcomes.catalog.models import Condition, Symptom, Treatment
    from outcomes.treatments.models import Evaluation, EvaluationEffect

    effects = (
        select(Evaluation.user_id, Treatment.slug, Evaluation.evaluated_on, Condition.slug,
               Symptom.slug, EvaluationEffect.effectiveness)
        .join(EvaluationEffect, EvaluationEffect.evaluation_id == Evaluation.id)
        .join(Treatment, Treatment.id == Evaluation.treatment_id)
        .outerjoin(Condition, Condition.id == EvaluationEffect.condition_id)
        .outerjoin(Symptom, Symptom.id == EvaluationEffect.symptom_id)
        .where(Evaluation.user_id.in_(consenting))
    )
    return [
        (row[0], (label(row[1]), year_of(row[2]),
                  row[3] or (f"symptom:{row[4]}" if row[4] else UNKNOWN), label(row[5])))
        for row in await _rows(db, effects)
    ]


async def _side_effects(db: AsyncSession, consenting: Select[Any], _s: DataSnapshot) -> Pairs:
    from outcomes.catalog.models import SideEffect, Treatment
    from outcomes.treatments.models import Evaluation, EvaluationSideEffect

    rows = await _rows(db, (
        select(Evaluation.user_id, Treatment.slug, SideEffect.slug, Evaluation.evaluated_on)
        .join(EvaluationSideEffect, EvaluationSideEffect.evaluation_id == Evaluation.id)
        .join(SideEffect, SideEffect.id == EvaluationSideEffect.side_effect_id)
        .join(Treatment, Treatment.id == Evaluation.treatment_id)
        .where(Evaluation.user_id.in_(consenting))
    ))
    return [(r[0], (label(r[1]), label(r[2]), year_of(r[3]))) for r in rows]


async def _symptoms(db: AsyncSession, consenting: Select[Any], _s: DataSnapshot) -> Pairs:
    from outcomes.catalog.models import Condition
    from outcomes.tracking.models import SymptomEntry

    rows = await _rows(db, (
        select(SymptomEntry.user_id, Condition.slug, SymptomEntry.recorded_on,
               SymptomEntry.severity)
        .outerjoin(Condition, Condition.id == SymptomEntry.condition_id)
        .where(SymptomEntry.user_id.in_(consenting))
    ))
    return [(r[0], (label(r[1]), month_of(r[2]), severity_label(r[3]))) for r in rows]


async def _questionnaires(db: AsyncSession, consenting: Select[Any], _s: DataSnapshot) -> Pairs:
    from community.communities.models import Community
    from community.profiles.models import ProfileCondition
    from outcomes.tracking.models import QuestionnaireAnswer

    rows = await _rows(db, (
        select(QuestionnaireAnswer.user_id, QuestionnaireAnswer.questionnaire_id,
               Community.condition_slug, QuestionnaireAnswer.authored_at,
               QuestionnaireAnswer.band_code)
        .join(ProfileCondition, ProfileCondition.user_id == QuestionnaireAnswer.user_id)
        .join(Community, Community.id == ProfileCondition.community_id)
        .where(QuestionnaireAnswer.user_id.in_(consenting))
    ))
    return [(r[0], (label(r[1]), label(r[2]), quarter_of(r[3]), label(r[4]))) for r in rows]


CATALOGUE: dict[str, TableSpec] = {
    spec.name: spec
    for spec in [
        TableSpec(
            "patients", "Patients by condition, age band, sex and country",
            "Distinct consenting patients per condition community they belong to.",
            ("condition", "age_band", "sex", "country"), _patients,
            categories={"age_band": (*AGE_BANDS, UNKNOWN), "sex": SEXES},
            requires=(Profile.country, ProfileCondition.community_id, Community.condition_slug),
            max_contributions=3,
        ),
        TableSpec(
            "treatment_use", "Treatment use by condition and treatment",
            "Distinct consenting patients with a treatment course for a condition, by the "
            "year the course started.",
            ("condition", "treatment", "year"), _treatment_use,
            requires=(TreatmentCourse.started_on, CoursePurpose.condition_id, Treatment.slug),
            max_contributions=5,
        ),
        TableSpec(
            "evaluation_effectiveness", "Treatment effectiveness by purpose",
            "Distinct consenting patients giving each effectiveness answer, per treatment, "
            "year of the evaluation and purpose (the condition or symptom treated).",
            ("treatment", "year", "purpose", "answer"), _effectiveness,
            categories={"answer": EFFECTIVENESS_ANSWERS},
            requires=(EvaluationEffect.condition_id, Evaluation.treatment_id, Symptom.slug),
            max_contributions=10,
        ),
        TableSpec(
            "evaluation_answers", "Evaluation answers by treatment",
            "Distinct consenting patients giving each answer on side-effect severity, "
            "adherence, burden and cost, per treatment and year of the evaluation.",
            ("treatment", "year", "measure", "answer"), _evaluation_answers,
            categories={"measure": EVALUATION_MEASURES, "answer": EVALUATION_ANSWERS},
            requires=(Evaluation.treatment_id, Evaluation.side_effect_severity),
            max_contributions=10,
        ),
        TableSpec(
            "side_effects", "Side-effect frequencies by treatment",
            "Distinct consenting patients reporting each side effect of a treatment, by year.",
            ("treatment", "side_effect", "year"), _side_effects,
            requires=(EvaluationSideEffect.side_effect_id, Evaluation.treatment_id,
                      SideEffect.slug),
            max_contributions=10,
        ),
        TableSpec(
            "symptom_severity", "Symptom severity by condition and month",
            "Distinct consenting patients recording each severity, per condition and month.",
            ("condition", "month", "severity"), _symptoms,
            categories={"severity": (*SEVERITIES, UNKNOWN)},
            requires=(SymptomEntry.severity, Condition.slug),
            max_contributions=12,
        ),
        TableSpec(
            "questionnaire_bands", "Questionnaire score bands by instrument, condition, quarter",
            "Distinct consenting patients per score band of each instrument, per condition "
            "community and quarter.",
            ("instrument", "condition", "quarter", "band"), _questionnaires,
            requires=(QuestionnaireAnswer.band_code, ProfileCondition.community_id),
            max_contributions=8,
        ),
    ]
}


def available_tables() -> dict[str, TableSpec]:
    """The catalogue tables whose source data exist in this installation."""
    return {name: spec for name, spec in CATALOGUE.items() if spec.available()}


# ---- building, storing and slicing releases ------------------------------------------------


def capped(keys: set[tuple[str, ...]], cap: int | None, seed: str) -> list[tuple[str, ...]]:
    """At most `cap` of a patient's cells, drawn in a seeded random order.

    Taking the first ones in sorted order would favour earlier years and alphabetically
    earlier categories; the seed (release and patient) keeps a release reproducible.
    """
    ordered = sorted(keys)
    if cap is None or len(ordered) <= cap:
        return ordered
    return random.Random(seed).sample(ordered, cap)


Vocabularies = Mapping[str, tuple[str, ...]]
CategoryLists = dict[str, tuple[str, ...] | None]


async def vocabularies(db: AsyncSession) -> dict[str, tuple[str, ...]]:
    """The category list of every vocabulary dimension (and of the questionnaires' bands),
    from the vocabularies, not the data."""
    from community.profiles.models import COUNTRIES
    from outcomes.catalog.models import Condition, SideEffect, Symptom, Treatment
    from outcomes.tracking.scoring import load_questionnaires

    async def slugs(column: Any) -> tuple[str, ...]:
        return tuple(await db.scalars(select(column).order_by(column)))

    conditions = await slugs(Condition.slug)
    symptoms = await slugs(Symptom.slug)
    questionnaires = load_questionnaires()
    return {
        "condition": conditions,
        "treatment": await slugs(Treatment.slug),
        "side_effect": await slugs(SideEffect.slug),
        "symptom": symptoms,
        "purpose": (*conditions, *(f"symptom:{s}" for s in symptoms)),
        "country": tuple(sorted(COUNTRIES)),
        "instrument": tuple(sorted(questionnaires)),
        "band": (*dict.fromkeys(band.code for definition in questionnaires.values()
                                for band in definition.bands), UNKNOWN),
    }


def fold_all(spec: TableSpec, cube: Cube, threshold: int) -> Cube:
    """Fold the rare categories of every folded dimension into Other."""
    for name in spec.dimensions:
        if name in FOLDED and len(cube.dimensions[cube.names.index(name)].categories) > 1:
            cube = fold_rare(cube, name, threshold, OTHER)
    return cube


def category_lists(spec: TableSpec, *, periods: Periods | None, vocabularies: Vocabularies,
                   noised: bool) -> CategoryLists:
    """Each dimension's categories, decided before the data are read; None for a vocabulary
    dimension of a release without noise, which lists the terms found and folds the rare ones
    into Other (zeros are published there, and a folded term is one from 0 to 10).

    Raises ValueError for a dimension with no list: its categories would come from the data.
    """
    lists: CategoryLists = {}
    for name in spec.dimensions:
        if name == spec.time_dimension:
            if periods is None or periods.unit != name:
                raise ValueError(f"{spec.name}: a table over time needs its {name} periods")
            lists[name] = periods.categories
        elif name in spec.categories:
            lists[name] = spec.categories[name]
        elif name in FOLDED and not noised:
            lists[name] = None
        elif name in FOLDED and name in vocabularies:
            lists[name] = (*vocabularies[name], OTHER, UNKNOWN)
        elif name in vocabularies:
            lists[name] = vocabularies[name]
        else:
            raise ValueError(f"{spec.name}: the dimension {name!r} has no fixed categories")
    return lists


def _placer(name: str, categories: tuple[str, ...] | None, periods: Periods | None,
            time_dimension: str | None) -> Callable[[str], str | None]:
    """How a found category is placed in a fixed list (None: the event is not counted)."""
    if name == time_dimension:
        assert periods is not None
        return periods.place
    if categories is None:
        return lambda category: category
    listed = frozenset(categories)
    # A term outside the list: Other where the list has it, else Unknown.
    fallback = OTHER if OTHER in listed else UNKNOWN if UNKNOWN in listed else None

    def place(category: str) -> str | None:
        if category in listed:
            return category
        if fallback is None:
            raise ValueError(f"{category!r} is not a category of {name!r}")
        return fallback

    return place


def _place_key(placers: Sequence[Callable[[str], str | None]],
               key: tuple[str, ...]) -> tuple[str, ...] | None:
    cells = []
    for place, category in zip(placers, key, strict=True):
        cell = place(category)
        if cell is None:
            return None
        cells.append(cell)
    return tuple(cells)


def build_cube(spec: TableSpec, pairs: Pairs, *, threshold: int, periods: Periods | None = None,
               vocabularies: Vocabularies | None = None, noised: bool = False,
               cap: int | None = None, seed: str = "") -> Cube:
    """Distinct patients per cell, over the categories of `category_lists`.

    Without noise, rare terms of the vocabulary dimensions are folded into Other here, on the
    true counts. Under noise every listed category stays, empty or not: the shape of the cube
    then says nothing about this snapshot's data.
    """
    lists = category_lists(spec, periods=periods, vocabularies=vocabularies or {}, noised=noised)
    placers = [_placer(name, lists[name], periods, spec.time_dimension)
               for name in spec.dimensions]
    per_patient: dict[int, set[tuple[str, ...]]] = defaultdict(set)
    for user_id, key in pairs:
        per_patient[user_id].add(key)
    # Place each distinct key once (few), then re-key each patient's cells (many).
    found = {key for keys in per_patient.values() for key in keys}
    placed = {key: _place_key(placers, key) for key in found}
    if any(placed[key] != key for key in found):
        for user_id, keys in per_patient.items():
            per_patient[user_id] = {cell for key in keys if (cell := placed[key]) is not None}
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    for user_id, keys in per_patient.items():
        # Under noise a patient counts in at most `cap` cells: the sensitivity the noise covers.
        for key in capped(keys, cap, f"{seed}:{spec.name}:{user_id}"):
            counts[key] += 1
    dimensions: dict[str, tuple[str, ...]] = {}
    for axis, name in enumerate(spec.dimensions):
        fixed = lists[name]
        dimensions[name] = fixed if fixed is not None else (
            tuple(sorted({key[axis] for key in counts})) or (UNKNOWN,))
    cube = Cube.from_counts(dimensions, counts)
    return cube if noised else fold_all(spec, cube, threshold)


async def compute_release(
    db: AsyncSession, spec: TableSpec, snapshot: DataSnapshot, epsilon: Decimal | None,
    threshold: int = DEFAULT_THRESHOLD, *, since: date = DEFAULT_RESEARCH_SINCE,
) -> Release:
    """Query a table's pairs, then build, noise and suppress its cube off the event loop.

    The time dimension runs from the period holding `since` to the snapshot's."""
    pairs = list(await spec.query(db, consenting_users(snapshot.taken_at), snapshot))
    noised = epsilon is not None
    cap = spec.max_contributions if noised else None
    terms = await vocabularies(db)
    periods = (Periods(spec.time_dimension, since, snapshot.taken_at.date())
               if spec.time_dimension else None)

    def build() -> Release:
        cube = build_cube(spec, pairs, threshold=threshold, periods=periods, vocabularies=terms,
                          noised=noised, cap=cap, seed=str(snapshot.id))
        if epsilon is None:
            return build_release(cube, threshold)
        return build_release(cube, threshold, epsilon=epsilon,
                             contributions=spec.max_contributions)

    # Suppression of a large cube takes a while; the app keeps serving meanwhile.
    return await asyncio.to_thread(build)


def listed_periods(release: Release, spec: TableSpec) -> dict[str, str] | None:
    """For a manifest: the category of everything earlier, and the first and last period a
    release lists (each listed whether or not anyone had an event in it)."""
    if spec.time_dimension is None:
        return None
    dimension = next(d for d in release.dimensions if d.name == spec.time_dimension)
    earlier, *periods = dimension.categories
    return {"earlier": earlier, "first": periods[0] if periods else "",
            "last": periods[-1] if periods else ""}


def epsilon_key(epsilon: Decimal | None) -> str:
    return "" if epsilon is None else str(epsilon.normalize())


def _stored(spec: TableSpec, snapshot_id: int, epsilon: Decimal | None) -> Select[Any]:
    return select(StoredRelease.release_json).where(
        StoredRelease.table_name == spec.name, StoredRelease.snapshot_id == snapshot_id,
        StoredRelease.epsilon == epsilon_key(epsilon),
    )


async def stored_release(
    db: AsyncSession, spec: TableSpec, snapshot_id: int, epsilon: Decimal | None
) -> Release | None:
    """The release already recorded for a table, snapshot and noise level, if any."""
    stored = await db.scalar(_stored(spec, snapshot_id, epsilon))
    return None if stored is None else Release.from_json(stored)


async def store_release(
    db: AsyncSession, spec: TableSpec, snapshot_id: int, epsilon: Decimal | None,
    release: Release,
) -> Release:
    """Record a computed release; when another worker recorded one first, theirs wins."""
    try:
        async with db.begin_nested():
            db.add(StoredRelease(table_name=spec.name, snapshot_id=snapshot_id,
                                 epsilon=epsilon_key(epsilon), release_json=release.to_json()))
    except IntegrityError:
        # Serve the recorded one, so every export of the snapshot agrees.
        return Release.from_json((await db.scalar(_stored(spec, snapshot_id, epsilon))) or "")
    return release


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown (the manifest keeps
    the English key)."""
    return message


NO_DATA = N_("no data in the chosen range")
TOO_NARROW = N_("the request is too narrow for this table")


class NotReleased(Exception):
    """A table an export leaves out, and why: no data in the range, or a request too narrow.

    Both reasons are decided from what the unfiltered release publishes (its categories, its
    zeros and which cells are suppressed), never from a hidden count, so neither tells
    whether a category is rare.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def slice_filters(
    release: Release, spec: TableSpec, filters: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The request's filters as category lists of this table's dimensions.

    A filter category the release does not list (no patients, or folded into "Other") makes
    the request too narrow for the table; which of the two is never said.
    """
    by_name = {d.name: d for d in release.dimensions}
    chosen: dict[str, list[str]] = {}
    for name in FILTER_DIMENSIONS:
        wanted: Sequence[str] = filters.get(name) or []
        if not wanted or name not in by_name:
            continue
        if any(c not in by_name[name].categories for c in wanted):
            raise NotReleased(TOO_NARROW)
        chosen[name] = list(wanted)
    year_from, year_to = filters.get("year_from"), filters.get("year_to")
    time = spec.time_dimension
    if time and (year_from or year_to):
        low, high = int(year_from or 0), int(year_to or 9999)
        chosen[time] = [c for c in by_name[time].categories
                        if c[:4].isdigit() and low <= int(c[:4]) <= high]
        if not chosen[time]:
            raise NotReleased(NO_DATA)
    return chosen


def published_table(release: Release, spec: TableSpec,
                    filters: Mapping[str, Any]) -> PublishedTable:
    """The slice of a release an export shows for these filters; raises NotReleased when
    it would show nothing (no patients, or every count suppressed)."""
    table = slice_release(release, slice_filters(release, spec, filters))
    if not table.published:
        raise NotReleased(TOO_NARROW if table.suppressed else NO_DATA)
    return table
