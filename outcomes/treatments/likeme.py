"""Outcomes' signals for "patients like me": treatments and symptoms two people share.

Supplied as `Extensions.like_me_signals` (see community.extensions and community.profiles.likeme).
Only what the other person shares with the viewer takes part: their treatment
evaluations the viewer may read (`visible_evaluations`, the rule the treatment reports
follow when they list people's evaluations by name), which say what they took and, when
they took it for a symptom, that they have it. Their treatment list, tracked symptoms,
check-ins and questionnaires are theirs alone (those pages say "only you see this"), so
they never match, score or show. The viewer's own side is everything the viewer recorded
(their courses, the symptoms they track or treat): it is their own data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.i18n import gettext as _
from outcomes.catalog.models import Symptom, Treatment
from outcomes.tracking.models import SymptomEntry
from outcomes.treatments.access import visible_evaluations
from outcomes.treatments.models import CoursePurpose, Evaluation, EvaluationEffect, TreatmentCourse

TREATMENT_POINTS = 4.0
SYMPTOM_POINTS = 2.0
# Beyond a few in common, more of the same says little more about being alike.
MOST_COUNTED = 3


async def shared_treatments(
    db: AsyncSession, *, viewer: User, candidate_ids: list[int]
) -> dict[int, tuple[float, str]]:
    """Treatments the viewer takes or took that a candidate shares an evaluation of."""
    mine = select(TreatmentCourse.treatment_id).where(TreatmentCourse.user_id == viewer.id)
    rows = await db.execute(
        select(Evaluation.user_id, Treatment.name).distinct()
        .join(Treatment, Treatment.id == Evaluation.treatment_id)
        .where(Evaluation.user_id.in_(candidate_ids), Evaluation.treatment_id.in_(mine),
               visible_evaluations(viewer))
    )
    return _signal(rows.tuples(), TREATMENT_POINTS,
                   lambda names: _("treatments in common: %(names)s") % {"names": names})


async def shared_symptoms(
    db: AsyncSession, *, viewer: User, candidate_ids: list[int]
) -> dict[int, tuple[float, str]]:
    """Symptoms the viewer tracks or treats that a candidate shares an evaluation for."""
    tracked = select(SymptomEntry.symptom_id).where(SymptomEntry.user_id == viewer.id)
    treated = (select(CoursePurpose.symptom_id)
               .join(TreatmentCourse, TreatmentCourse.id == CoursePurpose.course_id)
               .where(TreatmentCourse.user_id == viewer.id, CoursePurpose.symptom_id.is_not(None)))
    rows = await db.execute(
        select(Evaluation.user_id, Symptom.name).distinct()
        .join(EvaluationEffect, EvaluationEffect.evaluation_id == Evaluation.id)
        .join(Symptom, Symptom.id == EvaluationEffect.symptom_id)
        .where(Evaluation.user_id.in_(candidate_ids),
               or_(EvaluationEffect.symptom_id.in_(tracked),
                   EvaluationEffect.symptom_id.in_(treated)),
               visible_evaluations(viewer))
    )
    return _signal(rows.tuples(), SYMPTOM_POINTS,
                   lambda names: _("symptoms in common: %(names)s") % {"names": names})


def _signal(rows: Iterable[tuple[int, str]], points: float,
            reason: Callable[[str], str]) -> dict[int, tuple[float, str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for user_id, name in rows:
        names[user_id].append(name)
    signal = {}
    for user_id, shared in names.items():
        shared.sort(key=str.casefold)
        listed = ", ".join(shared[:MOST_COUNTED])
        if len(shared) > MOST_COUNTED:
            listed = _("%(names)s and %(more)d more") % {
                "names": listed, "more": len(shared) - MOST_COUNTED}
        signal[user_id] = (points * min(len(shared), MOST_COUNTED), reason(listed))
    return signal
