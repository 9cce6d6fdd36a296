"""Message actions: send (screened), read a conversation, list conversations, block, report."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import User
from community.accounts.services import FormErrors
from community.db import utcnow
from community.i18n import gettext as _
from community.messages import access
from community.messages.models import Block, Message, MessageStatus
from community.notifications.services import notify
from community.posting import ensure_can_post
from community.runtime import Runtime
from community.screening import HeldContent, ScreenAction, ScreenLabel, Venue, Verdict

MESSAGE_MAX = 5000
CONVERSATION_PAGE = 200


class MessageRefused(Exception):
    """The sender may not write to this recipient; the message says why."""


@dataclass(frozen=True)
class Sent:
    message: Message
    verdict: Verdict

    @property
    def delivered(self) -> bool:
        return self.message.status == MessageStatus.DELIVERED


@dataclass(frozen=True)
class ConversationSummary:
    partner: User
    last: Message
    unread: int


def _status(verdict: Verdict) -> MessageStatus:
    if verdict.is_held:
        return MessageStatus.HELD
    if verdict.is_off_platform:
        return MessageStatus.OFF_PLATFORM
    return MessageStatus.DELIVERED


async def send_message(
    db: AsyncSession, runtime: Runtime, sender: User, recipient: User, body: str
) -> Sent:
    """Screen and store a message; it reaches the recipient only when screening publishes it."""
    await ensure_can_post(db, runtime, sender)
    reason = await access.refusal(db, sender, recipient)
    if reason:
        raise MessageRefused(reason)
    body = body.strip().replace("\r\n", "\n")
    if not body:
        raise FormErrors({"body": [_("Write a message first.")]})
    if len(body) > MESSAGE_MAX:
        raise FormErrors({"body": [_("Keep it under %(max)d characters (now %(n)d).")
                                   % {"max": MESSAGE_MAX, "n": len(body)}]})
    verdict = runtime.screener.screen(body, author_role=sender.primary_role.value,
                                      venue=Venue.MESSAGE)
    message = Message(sender_id=sender.id, recipient_id=recipient.id, body=body,
                      status=_status(verdict), labels=",".join(verdict.stored_labels()))
    db.add(message)
    await db.flush()
    if (message.status != MessageStatus.DELIVERED or ScreenLabel.URGENT in verdict.labels
            or verdict.needs_crisis_check):
        await runtime.review_sink.open_review(
            db, HeldContent(target_type="message", target_id=message.id, author_id=sender.id,
                            verdict=verdict, excerpt=body[:500]),
        )
    if message.status == MessageStatus.DELIVERED:
        await _notify_recipient(db, sender, recipient)
    return Sent(message, verdict)


async def _notify_recipient(db: AsyncSession, sender: User, recipient: User) -> None:
    await notify(db, recipient.id, "message",
                 text=lambda: _("New message from %(name)s") % {"name": sender.username},
                 link=f"/messages/{sender.username}", actor_id=sender.id)


async def apply_moderation_decision(db: AsyncSession, message_id: int, *, decision: str) -> None:
    """A moderator's decision on a held (or moved off-platform) message, once every reason it
    was held for is decided (moderation's one rule). Approval delivers it, unless the two may no
    longer write to each other (a block since); rejection leaves it with its sender."""
    message = await db.get(Message, message_id)
    if message is None:
        raise LookupError(f"message {message_id} does not exist")
    if decision != "approve" or message.status not in (MessageStatus.HELD,
                                                        MessageStatus.OFF_PLATFORM):
        return
    sender = await db.get(User, message.sender_id)
    recipient = await db.get(User, message.recipient_id)
    if sender is None or recipient is None or await access.refusal(db, sender, recipient):
        return
    message.status = MessageStatus.DELIVERED
    await _notify_recipient(db, sender, recipient)


async def conversation(db: AsyncSession, viewer: User, partner: User) -> list[Message]:
    """The messages between `viewer` and `partner` that `viewer` may read, oldest first."""
    messages = await db.scalars(
        select(Message)
        .where(access.between(viewer.id, partner.id), access.readable_by(viewer.id))
        .order_by(Message.id.desc())
        .limit(CONVERSATION_PAGE)
    )
    return list(messages)[::-1]


def has_unread(messages: list[Message], viewer: User) -> bool:
    return any(m.recipient_id == viewer.id and m.read_at is None for m in messages)


async def mark_read(db: AsyncSession, viewer: User, partner: User) -> None:
    """Mark the delivered messages `partner` sent `viewer` as read."""
    await db.execute(
        update(Message)
        .where(Message.sender_id == partner.id, Message.recipient_id == viewer.id,
               Message.status == MessageStatus.DELIVERED, Message.read_at.is_(None))
        .values(read_at=utcnow())
    )


async def conversations(db: AsyncSession, viewer: User) -> list[ConversationSummary]:
    """Everyone `viewer` has exchanged messages with, latest first, with unread counts."""
    partner = case((Message.sender_id == viewer.id, Message.recipient_id),
                   else_=Message.sender_id)
    latest = (
        select(partner.label("partner_id"), func.max(Message.id).label("last_id"))
        .where(access.readable_by(viewer.id),
               (Message.sender_id == viewer.id) | (Message.recipient_id == viewer.id))
        .group_by(partner)
        .subquery()
    )
    rows = (await db.execute(
        select(Message, User)
        .join(latest, latest.c.last_id == Message.id)
        .join(User, User.id == latest.c.partner_id)
        .order_by(Message.id.desc())
    )).all()
    unread = dict((await db.execute(
        select(Message.sender_id, func.count())
        .where(Message.recipient_id == viewer.id, Message.status == MessageStatus.DELIVERED,
               Message.read_at.is_(None))
        .group_by(Message.sender_id)
    )).tuples().all())
    return [ConversationSummary(user, message, int(unread.get(user.id, 0)))
            for message, user in rows]


async def set_block(db: AsyncSession, blocker: User, blocked: User, *, blocking: bool) -> None:
    if blocker.id == blocked.id:
        raise MessageRefused(_("You cannot block yourself."))
    existing = await db.get(Block, (blocker.id, blocked.id))
    if blocking and existing is None:
        db.add(Block(blocker_id=blocker.id, blocked_id=blocked.id))
        await audit.record(db, "member.blocked", actor_id=blocker.id, target_type="user",
                           target_id=blocked.id)
    elif not blocking and existing is not None:
        await db.delete(existing)
        await audit.record(db, "member.unblocked", actor_id=blocker.id, target_type="user",
                           target_id=blocked.id)


async def report_message(db: AsyncSession, runtime: Runtime, reporter: User, message: Message,
                         reason: str) -> None:
    """Send a received message to the moderators' review queue."""
    message.reported_at = utcnow()
    await runtime.review_sink.open_review(
        db, HeldContent(target_type="message", target_id=message.id,
                        author_id=message.sender_id,
                        verdict=Verdict(action=ScreenAction.HOLD), excerpt=message.body[:500]),
    )
    await audit.record(db, "message.reported", actor_id=reporter.id, target_type="message",
                       target_id=message.id, detail={"reason": reason[:500]})
