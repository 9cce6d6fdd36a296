"""Moderation's blocks on the signed-in home: the queue for moderators, clinician
applications for administrators."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.home import BLOCK_ROWS, HomeBlock, HomeItem
from community.i18n import gettext as _
from moderation.queue.models import ReviewStatus
from moderation.queue.services import queue_page
from moderation.vetting.models import ApplicationStatus, ClinicianApplication


async def queue_summary(db: AsyncSession, user: User) -> HomeBlock | None:
    """The first items of the review queue, most urgent first."""
    if not user.has_role(Role.MODERATOR, Role.ADMIN):
        return None
    items = await queue_page(db, ReviewStatus.PENDING, limit=BLOCK_ROWS)
    rows = [
        HomeItem(item.excerpt[:120] or _("(no excerpt)"), f"/moderation/items/{item.id}",
                 item.reason.replace("_", " "), when=item.opened_at)
        for item in items
    ]
    return HomeBlock("queue", _("Review queue"), "/moderation", _("Open the queue"), rows,
                     empty=_("The queue is empty: nothing needs a moderator right now."))


async def clinician_applications(db: AsyncSession, user: User) -> HomeBlock | None:
    """Clinician applications waiting for a decision (administrators)."""
    if not user.has_role(Role.ADMIN):
        return None
    rows = (await db.execute(
        select(ClinicianApplication.real_name, ClinicianApplication.profession,
               ClinicianApplication.created_at, func.count().over())
        .where(ClinicianApplication.status == ApplicationStatus.PENDING)
        .order_by(ClinicianApplication.id).limit(BLOCK_ROWS)
    )).all()
    items = [HomeItem(name, "/moderation/clinicians", profession, when=created)
             for name, profession, created, _total in rows]
    return HomeBlock(
        "clinician_applications", _("Clinician applications waiting"),
        "/moderation/clinicians", _("All clinician applications"), items,
        empty=_("No clinician application is waiting."),
        total=rows[0][3] if rows else 0)


HOME_BLOCKS = (queue_summary, clinician_applications)
