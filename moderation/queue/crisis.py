"""A person who may be in crisis: response targets, alerting moderators, and what a
moderator does for the person (a caring check-in, "reached out", escalating to an admin).

None of these decide the item; each is written to its history and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import Role, User, UserRole
from community.errors import DomainError, NotFound
from community.i18n import gettext as _
from community.messages.models import Message, MessageStatus
from community.settings import Settings
from moderation.notices import message_template
from moderation.queue.models import ReviewHistory, ReviewItem, ReviewStatus
from moderation.queue.services import MAX_NOTE, notify_user

URGENT = "urgent"
MAX_MESSAGE = 5000
# Actions on an item that are not decisions; each leaves the status as it is.
CRISIS_ACTIONS = ("check_in", "reached_out", "escalated")


def response_target(settings: Settings, reason: str) -> timedelta:
    """How soon a moderator should act on an item for `reason`: the per-reason target
    (crisis 15 minutes unless configured), else the general one."""
    minutes = settings.moderation_target_minutes.get(reason, settings.moderation_response_minutes)
    return timedelta(minutes=minutes)


def is_overdue(settings: Settings, item: ReviewItem, now: datetime) -> bool:
    return item.is_pending and now - item.opened_at > response_target(settings, item.reason)


async def overdue_crisis_count(db: AsyncSession, settings: Settings, now: datetime) -> int:
    """Pending crisis items older than their target (for the header of every staff page)."""
    cutoff = now - response_target(settings, URGENT)
    return int(await db.scalar(
        select(func.count()).select_from(ReviewItem).where(
            ReviewItem.status == ReviewStatus.PENDING, ReviewItem.reason == URGENT,
            ReviewItem.opened_at < cutoff)
    ) or 0)


def check_in_text(locale: str) -> str:
    return message_template("check_in", locale)


async def _record(db: AsyncSession, item: ReviewItem, actor: User, action: str,
                  note: str, detail: dict[str, Any] | None = None) -> None:
    db.add(ReviewHistory(item_id=item.id, actor_id=actor.id, action=action,
                         from_status=item.status, to_status=item.status, note=note[:MAX_NOTE]))
    await audit.record(db, f"review.{action}", actor_id=actor.id, target_type="review_item",
                       target_id=item.id,
                       detail={"target": f"{item.target_type}:{item.target_id}",
                               "reason": item.reason, **(detail or {})})
    await db.flush()


async def _item_with_author(db: AsyncSession, item_id: int) -> tuple[ReviewItem, User]:
    item = await db.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(_("No such review item."))
    author = await db.get(User, item.author_id) if item.author_id else None
    if author is None:
        raise DomainError(_("This item has no author to reach."))
    return item, author


async def send_check_in(db: AsyncSession, actor: User, item_id: int, text: str) -> Message:
    """A caring message to the author, delivered at once as a private message from the
    moderation team (not screened, never held)."""
    item, author = await _item_with_author(db, item_id)
    body = text.strip().replace("\r\n", "\n") or check_in_text(author.locale)
    if len(body) > MAX_MESSAGE:
        raise DomainError(_("Keep the message under 5,000 characters."))
    message = Message(sender_id=actor.id, recipient_id=author.id, body=body,
                      status=MessageStatus.DELIVERED, labels="")
    db.add(message)
    await db.flush()
    await notify_user(db, author.id, "message",
                      _("A message from the moderation team"), f"/messages/{actor.username}")
    await _record(db, item, actor, "check_in", body, {"message": message.id})
    return message


async def mark_reached_out(db: AsyncSession, actor: User, item_id: int, note: str) -> None:
    """Someone from the team has been in touch with the person (how, in the note)."""
    item, _author = await _item_with_author(db, item_id)
    if not note.strip():
        raise DomainError(_("Say how you reached out."))
    await _record(db, item, actor, "reached_out", note.strip())


async def escalate(db: AsyncSession, actor: User, item_id: int, note: str) -> int:
    """Ask the administrators to look now; each is notified in the site."""
    item = await db.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(_("No such review item."))
    admins = list(await db.scalars(select(UserRole.user_id).where(
        UserRole.role == Role.ADMIN.value).distinct()))
    for admin_id in admins:
        if admin_id != actor.id:
            await notify_user(db, admin_id, "moderation",
                              _("%(name)s escalated a crisis item to the administrators.")
                              % {"name": actor.username}, f"/moderation/items/{item.id}")
    await _record(db, item, actor, "escalated", note.strip(), {"admins": len(admins)})
    return len(admins)
