"""Answering a personal-advice request that was moved off-platform with the standard reply."""

from __future__ import annotations

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import User
from community.i18n import gettext as _
from community.screening import ScreenLabel
from moderation.queue import services, targets
from moderation.queue.models import ReviewItem, ReviewStatus
from moderation.vetting.services import is_verified_clinician


def standard_reply() -> str:
    return _(
        "Thank you for asking. A question about one person's care needs a clinician who knows "
        "the whole picture, so it was moved off the public page; it is kept, and you can still "
        "see it. Please contact your own clinician or book an appointment, and bring a list of "
        "your medicines, your symptoms and your questions. In an emergency, call your local "
        "emergency number. You are welcome to ask a general question or share your experience "
        "in the community."
    )


async def may_answer(db: AsyncSession, user: User | None) -> bool:
    """Moderators, admins, and clinicians whose licence was verified."""
    if user is None:
        return False
    return user.is_staff or await is_verified_clinician(db, user)


async def waiting(db: AsyncSession) -> list[ReviewItem]:
    return list(
        await db.scalars(
            select(ReviewItem)
            .where(
                ReviewItem.reason == ScreenLabel.ADVICE_REQUEST.value,
                ReviewItem.status == ReviewStatus.PENDING,
            )
            .order_by(ReviewItem.opened_at, ReviewItem.id)
            .limit(100)
        )
    )


async def answer(db: AsyncSession, actor: User, item_id: int, expected_version: int) -> ReviewItem:
    """Send the standard off-platform reply; the content stays off-platform, the item closes."""
    if not await may_answer(db, actor):
        raise PermissionDeniedException(
            detail=_("Verified clinicians and moderators answer these.")
        )
    item = await db.get(ReviewItem, item_id)
    if item is None or item.reason != ScreenLabel.ADVICE_REQUEST.value:
        raise NotFoundException(detail=_("No such request."))
    if item.version != expected_version or not item.is_pending:
        raise services.ConflictError(detail=_("Someone else answered this first. Look again."))
    text = standard_reply()
    await services.transition(
        db, item, "answer", ReviewStatus.REJECTED, actor.id, text, expected_version=expected_version
    )
    await targets.apply(db, item.target_type, item.target_id, "reject", item.reason, actor.id)
    delivered = await targets.send_off_platform_reply(
        db, item.target_type, item.target_id, actor.id, text
    )
    if not delivered and item.author_id is not None:
        await services.notify_user(
            db, item.author_id, "moderation", text, targets.link(item.target_type, item.target_id)
        )
    await audit.record(
        db,
        "post.off_platform_answered",
        actor_id=actor.id,
        target_type=item.target_type,
        target_id=item.target_id,
        detail={"review_item": item.id, "in_thread": delivered},
    )
    return item
