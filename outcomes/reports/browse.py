"""The treatments browse page: by condition, A to Z, most evaluated. One query per view,
over the maintained counters; orders follow the same masking the reports show (counts
below the threshold sort as if they were zero, so the order reveals no hidden count)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from outcomes.catalog.models import Condition, Treatment
from outcomes.reports.models import ConditionTreatmentCount, TreatmentSummary

PER_CONDITION = 5
MOST_EVALUATED = 50


class BrowseBy(StrEnum):
    CONDITION = "condition"
    A_Z = "az"
    EVALUATED = "evaluated"


@dataclass(frozen=True)
class TreatmentRow:
    slug: str
    name: str
    patients: int
    evaluations: int


@dataclass
class ConditionGroup:
    slug: str
    name: str
    treatments: list[TreatmentRow] = field(default_factory=list)


def _shown(count: int, fewer_than: int) -> int:
    """The count as far as ordering may use it: a masked count orders as zero."""
    return count if count >= fewer_than else 0


async def by_condition(db: AsyncSession, fewer_than: int) -> list[ConditionGroup]:
    """Every condition (A to Z) with its most taken treatments."""
    rows = (await db.execute(
        select(Condition.slug, Condition.name, Treatment.slug, Treatment.name,
               ConditionTreatmentCount.patients, ConditionTreatmentCount.evaluations)
        .outerjoin(ConditionTreatmentCount, (ConditionTreatmentCount.condition_id == Condition.id)
                   & (ConditionTreatmentCount.patients > 0))
        .outerjoin(Treatment, Treatment.id == ConditionTreatmentCount.treatment_id)
        .order_by(Condition.name)
    )).all()
    groups: dict[str, ConditionGroup] = {}
    for condition_slug, condition_name, slug, name, patients, evaluations in rows:
        group = groups.setdefault(condition_slug, ConditionGroup(condition_slug, condition_name))
        if slug is not None:
            group.treatments.append(TreatmentRow(slug, name, patients, evaluations))
    for group in groups.values():
        group.treatments.sort(key=lambda row: (-_shown(row.patients, fewer_than), row.name))
        del group.treatments[PER_CONDITION:]
    return list(groups.values())


async def a_to_z(db: AsyncSession) -> list[tuple[str, list[TreatmentRow]]]:
    """Every treatment in the vocabulary, grouped by initial."""
    rows = (await db.execute(
        select(Treatment.slug, Treatment.name,
               func.coalesce(TreatmentSummary.current_patients
                             + TreatmentSummary.former_patients, 0),
               func.coalesce(TreatmentSummary.evaluations, 0))
        .outerjoin(TreatmentSummary, TreatmentSummary.treatment_id == Treatment.id)
        .order_by(func.lower(Treatment.name))
    )).all()
    letters: dict[str, list[TreatmentRow]] = {}
    for slug, name, patients, evaluations in rows:
        initial = name[:1].upper() if name[:1].isalpha() else "#"
        letters.setdefault(initial, []).append(TreatmentRow(slug, name, patients, evaluations))
    return list(letters.items())


async def most_evaluated(db: AsyncSession, fewer_than: int) -> list[TreatmentRow]:
    """Treatments with at least `fewer_than` evaluations, most evaluated first."""
    rows = (await db.execute(
        select(Treatment.slug, Treatment.name,
               TreatmentSummary.current_patients + TreatmentSummary.former_patients,
               TreatmentSummary.evaluations)
        .join(TreatmentSummary, TreatmentSummary.treatment_id == Treatment.id)
        .where(TreatmentSummary.evaluations >= fewer_than)
        .order_by(TreatmentSummary.evaluations.desc(), Treatment.name)
        .limit(MOST_EVALUATED)
    )).all()
    return [TreatmentRow(*row) for row in rows]
