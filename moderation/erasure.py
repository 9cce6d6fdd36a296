"""Erase moderation's copies of a person's words when they delete their account.

Review items keep their history (who decided what, when) but not the text: the excerpt
of content they wrote, their flag notes and appeals, and their clinician identity.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from community.i18n import gettext as _
from moderation.queue.models import Appeal, Flag, ReviewItem
from moderation.vetting.models import ClinicianApplication, ClinicianProfile

ERASED = "[erased at the author's request]"


async def erase_person(db: AsyncSession, user_id: int, *, keep_posts: bool) -> None:
    """Account-deletion hook: runs in the deleting transaction."""
    await db.execute(update(ReviewItem).where(ReviewItem.author_id == user_id)
                     .values(excerpt=_(ERASED)))
    await db.execute(update(Flag).where(Flag.flagger_id == user_id).values(note=""))
    await db.execute(update(Appeal).where(Appeal.user_id == user_id).values(text=_(ERASED)))
    await db.execute(delete(ClinicianProfile).where(ClinicianProfile.user_id == user_id))
    await db.execute(
        update(ClinicianApplication).where(ClinicianApplication.user_id == user_id)
        .values(real_name="", licence_number="", jurisdiction="", disclosures="",
                specialty="", profession="")
    )
