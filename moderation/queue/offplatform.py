"""Answering a personal-advice request that was moved off-platform with the standard reply."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import User
from community.errors import Conflict, NotAllowed, NotFound
from community.i18n import gettext as _
from community.screening import ScreenLabel
from moderation.notices import message_template
from moderation.queue import services, targets
from moderation.queue.models import ReviewItem, ReviewStatus
from moderation.vetting.services import is_verified_clinician

MAX_REPLY = 4000


def standard_reply(locale: str = "en") -> str:
    """The off-platform reply in the asker's language (moderation/message_templates.json)."""
    return message_template("off_platform_reply", locale)


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


async def answer(
    db: AsyncSession, actor: User, item_id: int, expected_version: int, text: str = ""
) -> ReviewItem:
    """Send the off-platform reply (the standard one in the asker's language unless the
    answerer adjusted it); the content stays off-platform, the item closes."""
    if not await may_answer(db, actor):
        raise NotAllowed(
            _("Verified clinicians and moderators answer these.")
        )
    item = await db.get(ReviewItem, item_id)
    if item is None or item.reason != ScreenLabel.ADVICE_REQUEST.value:
        raise NotFound(_("No such request."))
    if item.version != expected_version or not item.is_pending:
        raise Conflict(_("Someone else answered this first. Look again."))
    if not text.strip():
        author = await db.get(User, item.author_id) if item.author_id else None
        text = standard_reply(author.locale if author else "en")
    text = text.strip()[:MAX_REPLY]
    await services.transition(
        db, item, "answer", ReviewStatus.REJECTED, actor.id, text, expected_version=expected_version
    )
    await targets.settle(db, item.target_type, item.target_id, actor.id)
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
