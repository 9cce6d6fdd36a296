"""People like me: a treatment report narrowed by age group, sex, condition and years since
diagnosis, served as slices of one release per report version.

A narrowed view is never counted per request. Once per (treatment version, cohort
version, year, threshold) the treatment's patients are grouped over the four dimensions
(with "not stated" and "other" categories that no view offers, so every wider view is the
sum of its narrower ones), one table per answer the report shows plus one of patients,
and `_released` decides once which cells a view may show; every narrowing is a slice of
that release, so asking again, or in another order, shows the same numbers.

What the rule guarantees: no shown count is from 1 to `fewer_than - 1`, and no two views
of the same answer where one is the other with filters dropped differ by 1 to
`fewer_than - 1` (the pairwise differencing attack). It is not the research exports'
complementary suppression with its linear-programming certificate
(`outcomes.research.suppression`): over four dimensions at a few hundred patients per
treatment that hides nearly every narrowed figure, which is why this weaker rule serves
the pages.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from community.communities.models import Community
from community.i18n import gettext as _
from community.profiles.models import Profile, ProfileCondition, Sex
from outcomes.catalog.models import Condition
from outcomes.reports.models import CohortVersion, ConditionTreatmentCount, new_version
from outcomes.reports.summaries import Contribution, pair_contributions
from outcomes.research.suppression import PRIMARY, PUBLISHED
from outcomes.treatments.models import TreatmentCourse

NOT_STATED = "-"
OTHER = "other"
YEAR_BANDS: tuple[str, ...] = ("0-1", "2-9", "10+")
# Wide bands keep groups large enough to show; the profile's own bands fall into them.
AGE_GROUPS: dict[str, tuple[str, ...]] = {
    "18-34": ("18-24", "25-34"), "35-54": ("35-44", "45-54"), "55-74": ("55-64", "65-74"),
    "75+": ("75-84", "85+"),
}
AGE_GROUP_OF = {band: group for group, bands in AGE_GROUPS.items() for band in bands}
# A category too rare to show in any combination is not offered: people in it count under
# "not stated", and their figures still count in every wider group.
SEXES: tuple[str, ...] = (Sex.FEMALE.value, Sex.MALE.value)
DIMENSIONS = ("age_band", "sex", "condition", "years")


def year_band(diagnosed_year: int | None, this_year: int) -> str:
    """Years since diagnosis, in bands."""
    if diagnosed_year is None or diagnosed_year > this_year:
        return NOT_STATED
    years = this_year - diagnosed_year
    return "0-1" if years < 2 else "2-9" if years < 10 else "10+"


def year_band_label(band: str) -> str:
    return {"0-1": _("less than 2 years"), "2-9": _("2 to 9 years"),
            "10+": _("10 years or more")}.get(band, band)


@dataclass(frozen=True)
class Narrowing:
    """Chosen values; an empty string is "anyone"."""

    age_band: str = ""
    sex: str = ""
    condition: str = ""
    years: str = ""

    @property
    def values(self) -> tuple[str, str, str, str]:
        return (self.age_band, self.sex, self.condition, self.years)

    @property
    def narrows(self) -> bool:
        return any(self.values)

    def query(self) -> str:
        return urlencode([(name, value) for name, value in zip(DIMENSIONS, self.values,
                                                               strict=True) if value])


@dataclass
class Choices:
    """What each filter offers (value, label), the same for every viewer."""

    age_band: list[tuple[str, str]] = field(default_factory=list)
    sex: list[tuple[str, str]] = field(default_factory=list)
    condition: list[tuple[str, str]] = field(default_factory=list)
    years: list[tuple[str, str]] = field(default_factory=list)

    def valid(self, narrowing: Narrowing) -> Narrowing:
        """The narrowing with any value not on offer dropped."""
        offered = [{v for v, _label in options}
                   for options in (self.age_band, self.sex, self.condition, self.years)]
        return Narrowing(*(value if value in allowed else ""
                           for value, allowed in zip(narrowing.values, offered, strict=True)))


@dataclass
class Table:
    extended: Any
    status: Any


@dataclass
class Release:
    """Every narrowed figure of one treatment report version, decided once."""

    categories: tuple[tuple[str, ...], ...]
    patients: Table
    answers: dict[tuple[str, str], Table]
    choices: Choices

    def index(self, narrowing: Narrowing) -> tuple[int, ...]:
        return tuple(len(cats) if not value else cats.index(value)
                     for cats, value in zip(self.categories, narrowing.values, strict=True))

    def large_enough(self, narrowing: Narrowing, fewer_than: int) -> bool:
        """Whether the group has `fewer_than` patients or more: what a hidden count of it
        would say anyway ("fewer than 5" or not)."""
        return bool(self.patients.extended[self.index(narrowing)] >= fewer_than)

    def patients_in(self, narrowing: Narrowing) -> int | None:
        """Patients in the group, or None when the release hides that count."""
        cell = self.index(narrowing)
        if self.patients.status[cell] != PUBLISHED:
            return None
        return int(self.patients.extended[cell])

    def answers_in(self, narrowing: Narrowing) -> dict[str, dict[str, int | None]]:
        """question -> answer -> patients in the group (None: hidden)."""
        cell = self.index(narrowing)
        result: dict[str, dict[str, int | None]] = {}
        for (question, answer), table in self.answers.items():
            shown = table.status[cell] == PUBLISHED
            result.setdefault(question, {})[answer] = (
                int(table.extended[cell]) if shown else None)
        return result


def dump_release(release: Release) -> bytes:
    """A release as bytes to store: its categories and every table (not the choices, whose
    labels are in the reader's language)."""
    keys = sorted(release.answers)
    tables = [release.patients, *(release.answers[key] for key in keys)]
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer, extended=np.stack([table.extended for table in tables]),
        status=np.stack([table.status for table in tables]),
        header=np.array([json.dumps({"categories": release.categories, "answers": keys})]))
    return buffer.getvalue()


def load_release(data: bytes, choices: Choices) -> Release:
    """A stored release, with the filters on offer as the reader reads them."""
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        header = json.loads(str(stored["header"][0]))
        extended, status = stored["extended"], stored["status"]
    tables = [Table(extended[i], status[i]) for i in range(len(extended))]
    return Release(tuple(tuple(cats) for cats in header["categories"]), tables[0],
                   {(question, answer): table
                    for (question, answer), table in zip(header["answers"], tables[1:],
                                                         strict=True)}, choices)


def _extended(counts: Any, first: int = 0) -> Any:
    """The counts with a total appended to every axis from `first` on (as `Cube.extended`)."""
    for axis in range(first, counts.ndim):
        counts = np.concatenate([counts, counts.sum(axis=axis, keepdims=True)], axis=axis)
    return counts


def _released(counts: Any, fewer_than: int, offered: Any) -> Table:
    """Which cells of one table a narrowed view may show (see `_released_tables`)."""
    return _released_tables(counts[np.newaxis], fewer_than, offered)[0]


def _released_tables(stacked: Any, fewer_than: int, offered: Any) -> list[Table]:
    """Which cells of each table (stacked on the first axis) a narrowed view may show.

    Views are decided widest first (the whole report, then one filter, then two, ...). A
    view's count is shown when it is 0 or at least `fewer_than`, and when, for every wider
    view of the same answer already shown (the same filters with some of them dropped),
    the difference between the two is 0 or at least `fewer_than`: a pair of pages can then
    never be subtracted into a count of 1 to 4 people. Cells of categories no view offers
    are never shown.

    Views with the same filters set depend only on wider ones, so each such set is decided
    at once over the array, and every table at once too: each table is decided alone (no
    operation crosses the first axis), in a few dozen array operations for them all."""
    values = _extended(stacked, first=1)
    shape = values.shape[1:]
    axes = range(len(shape))
    every = slice(None)
    status = np.full(values.shape, PRIMARY, dtype=np.int8)

    def small(count: Any) -> Any:
        return (count > 0) & (count < fewer_than)

    for level in range(len(shape) + 1):
        for narrowed in itertools.combinations(axes, level):
            # Every view filtered on exactly these axes (the total on the others).
            cells = tuple(slice(0, shape[a] - 1) if a in narrowed else slice(shape[a] - 1, None)
                          for a in axes)
            value = values[(every, *cells)]
            safe = offered[cells] & ~small(value)
            for size in range(1, level + 1):
                for dropped in itertools.combinations(narrowed, size):
                    wider = (every, *(slice(shape[a] - 1, None) if a in dropped else cells[a]
                                      for a in axes))
                    safe &= ~((status[wider] == PUBLISHED) & small(values[wider] - value))
            status[(every, *cells)] = np.where(safe, PUBLISHED, PRIMARY)
    return [Table(values[i], status[i]) for i in range(len(values))]


async def narrowing_choices(db: AsyncSession, treatment_id: int, *, fewer_than: int) -> Choices:
    """The filters a treatment's report offers, from the summary tables: conditions with too
    few patients would only be offered to be refused, so they are not."""
    conditions = (await db.execute(
        select(Condition.id, Condition.name)
        .join(ConditionTreatmentCount, ConditionTreatmentCount.condition_id == Condition.id)
        .where(ConditionTreatmentCount.treatment_id == treatment_id,
               ConditionTreatmentCount.patients >= fewer_than)
        .order_by(Condition.id))).all()
    return Choices(
        age_band=[(group, group) for group in AGE_GROUPS],
        sex=[(s.value, s.label) for s in Sex if s.value in SEXES],
        condition=[(str(c), name) for c, name in conditions],
        years=[(band, year_band_label(band)) for band in YEAR_BANDS],
    )


async def build_release(db: AsyncSession, treatment_id: int, shown: Iterable[tuple[str, str]],
                        *, choices: Choices, fewer_than: int, this_year: int) -> Release:
    """Group one treatment's patients and suppress every table once (a handful of
    set-based queries over that treatment's patients, once per report version)."""
    pairs = {user_id: contribution for (user_id, _t), contribution
             in (await pair_contributions(db, treatment_id)).items()}
    users = select(TreatmentCourse.user_id).where(TreatmentCourse.treatment_id == treatment_id)
    profiles = {row.user_id: (row.age_band, row.sex) for row in await db.execute(
        select(Profile.user_id, Profile.age_band, Profile.sex).where(Profile.user_id.in_(users)))}
    diagnosed: dict[tuple[int, int], int | None] = {
        (row.user_id, row.id): row.diagnosed_year for row in await db.execute(
            select(ProfileCondition.user_id, Condition.id, ProfileCondition.diagnosed_year)
            .join(Community, Community.id == ProfileCondition.community_id)
            .join(Condition, Condition.slug == Community.condition_slug)
            .where(ProfileCondition.user_id.in_(users)))}
    # People taking it only for conditions not on offer count under "other".
    condition_ids = [int(value) for value, _name in choices.condition]
    categories = (
        (*AGE_GROUPS, NOT_STATED), (*SEXES, NOT_STATED),
        (*(str(c) for c in condition_ids), OTHER), (*YEAR_BANDS, NOT_STATED),
    )
    shape = tuple(len(cats) for cats in categories)
    positions = [{value: i for i, value in enumerate(cats)} for cats in categories]
    wanted = set(shown)
    patients = np.zeros(shape, dtype=np.int64)
    answers = {key: np.zeros(shape, dtype=np.int64) for key in wanted}
    for user_id, contribution in pairs.items():
        cell = _cell(user_id, contribution, profiles, diagnosed, condition_ids, this_year,
                     positions)
        patients[cell] += 1
        for key in contribution:
            if key[0] == "answer" and (key[1], key[2]) in wanted:
                answers[key[1], key[2]][cell] += contribution[key]
    # Cells of a category no view offers ("not stated", "other") are never shown.
    unpublished = np.zeros(tuple(n + 1 for n in shape), dtype=bool)
    for axis, cats in enumerate(categories):
        for index, value in enumerate(cats):
            if value in (NOT_STATED, OTHER):
                where: list[Any] = [slice(None)] * len(shape)
                where[axis] = index
                unpublished[tuple(where)] = True
    offered = ~unpublished
    # Every table decided in one pass over them all (one per table costs ~1 ms each).
    keys = list(answers)
    tables = _released_tables(np.stack([patients, *(answers[key] for key in keys)]),
                              fewer_than, offered)
    return Release(categories, tables[0], dict(zip(keys, tables[1:], strict=True)), choices)


def _cell(user_id: int, contribution: Contribution, profiles: dict[int, tuple[Any, Any]],
          diagnosed: dict[tuple[int, int], int | None], condition_ids: list[int],
          this_year: int, positions: list[dict[str, int]]) -> tuple[int, ...]:
    age_band, sex = profiles.get(user_id, (None, None))
    taken_for = sorted(int(key[2].split(":", 1)[1]) for key in contribution
                       if key[0] == "answer" and key[1] == "purpose"
                       and key[2].startswith("condition:"))
    # One condition per person (the first they take it for that has its own category), so
    # the condition categories add up to the whole.
    condition = next((c for c in taken_for if c in condition_ids), None)
    years = (NOT_STATED if condition is None
             else year_band(diagnosed.get((user_id, condition)), this_year))
    values = (AGE_GROUP_OF.get(age_band or "", NOT_STATED), sex or NOT_STATED,
              OTHER if condition is None else str(condition), years)
    return tuple(pos.get(value, pos.get(NOT_STATED, pos.get(OTHER, 0)))
                 for pos, value in zip(positions, values, strict=True))


def _upsert(bind_dialect: str) -> Any:
    return postgresql.insert if bind_dialect == "postgresql" else sqlite.insert


@event.listens_for(Session, "before_flush")
def _profiles_changed(session: Session, _context: Any, _instances: Any) -> None:
    """A new cohort version in the same transaction as any write to a profile or a
    profile's conditions (a narrowed report groups people by them)."""
    touched = (*session.new, *session.dirty, *session.deleted)
    if not any(isinstance(obj, Profile | ProfileCondition) for obj in touched):
        return
    insert = _upsert(session.get_bind().dialect.name)
    stmt = insert(CohortVersion).values(id=1, version=new_version())
    session.execute(stmt.on_conflict_do_update(index_elements=["id"],
                                               set_={"version": stmt.excluded.version}))


def this_year() -> int:
    return dt.datetime.now(dt.UTC).year
