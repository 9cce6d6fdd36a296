"""The research table catalogue: fixed, documented aggregate tables over consenting patients.

Each table is one query returning distinct (patient, cell) pairs; the cube counts distinct
patients per cell. No free text, no identifiers: every dimension is a curated slug, a band or
a coarse date (month at the finest). Ages come in the profile's bands, open-ended at 85+ (so
90+ is always collapsed); rare conditions, treatments, countries and terms are folded into
"Other" before suppression.

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
    # Fixed category lists; other dimensions take the categories found in the data.
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The columns the table reads, named by reference: a renamed one fails at import.
    requires: tuple[QueryableAttribute[Any], ...] = ()
    # How many cells one patient may count in under noise (the L1 sensitivity).
    max_contributions: int = 1

    @property
    def time_dimension(self) -> str | None:
        return next((d for d in ("year", "quarter", "month") if d in self.dimensions), None)

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
            requires=(EvaluationEffect.condition_id, Evaluation.treatment_id, Symptom.slug),
            max_contributions=10,
        ),
        TableSpec(
            "evaluation_answers", "Evaluation answers by treatment",
            "Distinct consenting patients giving each answer on side-effect severity, "
            "adherence, burden and cost, per treatment and year of the evaluation.",
            ("treatment", "year", "measure", "answer"), _evaluation_answers,
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


async def vocabularies(db: AsyncSession) -> dict[str, tuple[str, ...]]:
    """The category list of every folded dimension, from the vocabularies, not the data."""
    from community.profiles.models import COUNTRIES
    from outcomes.catalog.models import Condition, SideEffect, Symptom, Treatment
    from outcomes.tracking.scoring import load_questionnaires

    async def slugs(column: Any) -> tuple[str, ...]:
        return tuple(await db.scalars(select(column).order_by(column)))

    conditions = await slugs(Condition.slug)
    symptoms = await slugs(Symptom.slug)
    return {
        "condition": conditions,
        "treatment": await slugs(Treatment.slug),
        "side_effect": await slugs(SideEffect.slug),
        "symptom": symptoms,
        "purpose": (*conditions, *(f"symptom:{s}" for s in symptoms)),
        "country": tuple(sorted(COUNTRIES)),
        "instrument": tuple(sorted(load_questionnaires())),
    }


def fold_all(spec: TableSpec, cube: Cube, threshold: int) -> Cube:
    """Fold the rare categories of every folded dimension into Other."""
    for name in spec.dimensions:
        if name in FOLDED and len(cube.dimensions[cube.names.index(name)].categories) > 1:
            cube = fold_rare(cube, name, threshold, OTHER)
    return cube


def build_cube(spec: TableSpec, pairs: Pairs, *, threshold: int,
               cap: int | None = None, seed: str = "",
               domains: Vocabularies | None = None) -> Cube:
    """Distinct patients per cell; rare categories of free dimensions folded into Other.

    With `domains` (noised releases) the folded dimensions take their categories from the
    vocabularies, with Other and Unknown for anything else, and nothing is folded here: the
    shape of the cube then says nothing about this snapshot's counts, and folding happens
    after the noise, on noised totals.
    """
    fixed_lists = {name: (*domains[name], OTHER, UNKNOWN) for name in spec.dimensions
                   if domains is not None and name in FOLDED and name in domains
                   and name not in spec.categories}
    per_patient: dict[int, set[tuple[str, ...]]] = defaultdict(set)
    for user_id, key in pairs:
        if fixed_lists:
            key = tuple(
                c if name not in fixed_lists or c in fixed_lists[name] else OTHER
                for name, c in zip(spec.dimensions, key, strict=True))
        per_patient[user_id].add(key)
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    for user_id, keys in per_patient.items():
        # Under noise a patient counts in at most `cap` cells: the sensitivity the noise covers.
        for key in capped(keys, cap, f"{seed}:{spec.name}:{user_id}"):
            counts[key] += 1
    dimensions: dict[str, tuple[str, ...]] = {}
    for axis, name in enumerate(spec.dimensions):
        found = sorted({key[axis] for key in counts})
        fixed = spec.categories.get(name) or fixed_lists.get(name)
        dimensions[name] = fixed if fixed else (tuple(found) or (UNKNOWN,))
    cube = Cube.from_counts(dimensions, counts)
    return cube if domains is not None else fold_all(spec, cube, threshold)


async def compute_release(
    db: AsyncSession, spec: TableSpec, snapshot: DataSnapshot, epsilon: Decimal | None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Release:
    """Query a table's pairs, then build, noise and suppress its cube off the event loop."""
    pairs = list(await spec.query(db, consenting_users(snapshot.taken_at), snapshot))
    cap = spec.max_contributions if epsilon is not None else None
    # Under noise the categories come from the vocabularies and folding reads noised totals.
    domains = await vocabularies(db) if epsilon is not None else None

    def build() -> Release:
        cube = build_cube(spec, pairs, threshold=threshold, cap=cap, seed=str(snapshot.id),
                          domains=domains)
        if epsilon is None:
            return build_release(cube, threshold)
        return build_release(cube, threshold, epsilon=epsilon,
                             contributions=spec.max_contributions,
                             fold=lambda noised: fold_all(spec, noised, threshold))

    # Suppression of a large cube takes a while; the app keeps serving meanwhile.
    return await asyncio.to_thread(build)


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
