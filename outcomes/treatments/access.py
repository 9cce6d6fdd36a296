"""Who may see or change a course or an evaluation: every rule, once."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from community.accounts.models import User
from community.i18n import gettext as _
from outcomes.treatments.models import Evaluation, TreatmentCourse


async def owned_course(db: AsyncSession, user: User, course_id: int) -> TreatmentCourse:
    """The person's own course, with purposes and doses; anyone else's is "not found"."""
    course = await db.scalar(
        select(TreatmentCourse)
        .where(TreatmentCourse.id == course_id, TreatmentCourse.user_id == user.id)
        .options(selectinload(TreatmentCourse.purposes), selectinload(TreatmentCourse.doses))
    )
    if course is None:
        # The same answer whether it does not exist or belongs to someone else.
        raise NotFoundException(detail=_("This treatment is not in your list."))
    return course


async def owned_evaluation(db: AsyncSession, user: User, course: TreatmentCourse,
                           evaluation_id: int) -> Evaluation:
    evaluation = await db.scalar(
        select(Evaluation)
        .where(Evaluation.id == evaluation_id, Evaluation.course_id == course.id,
               Evaluation.user_id == user.id)
        .options(selectinload(Evaluation.effects), selectinload(Evaluation.side_effects))
    )
    if evaluation is None:
        raise NotFoundException(detail=_("This evaluation is not yours or does not exist."))
    return evaluation


ANONYMOUS = "anonymous"
MEMBERS = "members"


def audience(viewer: User | None) -> str:
    """Which shared evaluations a viewer reads besides their own: every signed-in person,
    staff included, reads what members read."""
    return ANONYMOUS if viewer is None else MEMBERS


def shared_with(audience_name: str) -> ColumnElement[bool]:
    """Filter: evaluations others shared with an audience (never anyone's private ones)."""
    if audience_name == MEMBERS:
        return or_(Evaluation.visibility == "public", Evaluation.visibility == "members")
    return Evaluation.visibility == "public"


def visible_evaluations(viewer: User | None) -> ColumnElement[bool]:
    """Filter: individual evaluations `viewer` may read (aggregates count them all)."""
    shared = shared_with(audience(viewer))
    if viewer is not None:
        return or_(Evaluation.user_id == viewer.id, shared)
    return shared


def visible_tip(viewer: User | None, evaluation: Any) -> bool:
    """A tip held by screening is shown to its author only."""
    if viewer is not None and evaluation.user_id == viewer.id:
        return True
    return bool(evaluation.tip) and evaluation.tip_status == "published"

