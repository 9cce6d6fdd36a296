"""Who may write to whom, and which messages a person may read: the one place these rules live."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.i18n import gettext as _
from community.messages.models import Block, Message, MessageStatus


async def has_blocked(db: AsyncSession, blocker_id: int, blocked_id: int) -> bool:
    return await db.get(Block, (blocker_id, blocked_id)) is not None


def _is_clinician_only(user: User) -> bool:
    return user.has_role(Role.CLINICIAN) and not user.is_staff


async def refusal(db: AsyncSession, sender: User, recipient: User) -> str | None:
    """Why `sender` may not write to `recipient`, or None when they may."""
    if sender.id == recipient.id:
        return _("You cannot send a message to yourself.")
    staff_involved = sender.is_staff or recipient.is_staff
    if _is_clinician_only(sender) != _is_clinician_only(recipient) and not staff_involved:
        return _("Clinicians on Kindred educate in public and do not take individual cases, "
                 "so patients and clinicians cannot exchange private messages. Ask a general "
                 "question in \"Ask a clinician\", and talk to your own clinician about your care.")
    if await has_blocked(db, recipient.id, sender.id):
        return _("This member does not accept messages from you.")
    if await has_blocked(db, sender.id, recipient.id):
        return _("You blocked this member. Unblock them to write again.")
    return None


def readable_by(viewer_id: int) -> ColumnElement[bool]:
    """Messages `viewer_id` may read: all they sent, and those delivered to them."""
    return or_(
        Message.sender_id == viewer_id,
        and_(Message.recipient_id == viewer_id, Message.status == MessageStatus.DELIVERED),
    )


def between(first_id: int, second_id: int) -> ColumnElement[bool]:
    return or_(
        and_(Message.sender_id == first_id, Message.recipient_id == second_id),
        and_(Message.sender_id == second_id, Message.recipient_id == first_id),
    )


async def reportable_message(db: AsyncSession, viewer: User, message_id: int) -> Message | None:
    """A message `viewer` received (and so may report); None for anyone else's."""
    return await db.scalar(
        select(Message).where(Message.id == message_id, Message.recipient_id == viewer.id,
                              Message.status == MessageStatus.DELIVERED)
    )
