"""Who may see and change tracking records: only the person who recorded them.

Another person's record answers 404, exactly like a record that does not exist, so ids
reveal nothing.
"""

from __future__ import annotations

from typing import TypeVar

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.i18n import gettext as _
from outcomes.tracking.models import CheckIn, QuestionnaireAnswer, SymptomEntry

Owned = TypeVar("Owned", SymptomEntry, CheckIn, QuestionnaireAnswer)


def own_records(model: type[Owned], person: User) -> ColumnElement[bool]:
    """The query filter for `person`'s own records of `model`."""
    return model.user_id == person.id


async def own_record(db: AsyncSession, model: type[Owned], person: User, record_id: int) -> Owned:
    """`person`'s record `record_id`, or 404 when it is missing or someone else's."""
    record = await db.scalar(
        select(model).where(model.id == record_id, own_records(model, person))
    )
    if record is None:
        raise NotFoundException(detail=_("There is no such record among yours."))
    return record
