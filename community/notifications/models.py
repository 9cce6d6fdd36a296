"""In-site notifications: replies, reactions, mentions and moderation outcomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class NotificationKind(StrEnum):
    REPLY = "reply"
    REACTION = "reaction"
    MENTION = "mention"
    MODERATION = "moderation"
    NEW_THREAD = "new_thread"
    MESSAGE = "message"


class Notification(IdMixin, CreatedMixin, Base):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_id_id", "user_id", "id"),
        Index("ix_notification_user_id_read_at", "user_id", "read_at"),
    )

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(300), default="")
    read_at: Mapped[datetime | None]
    # Who caused it (a reply's author, who reacted), shown with their picture; None for
    # the site's own notices.
    actor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL"))
    actor: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[actor_id])


class FollowTarget(StrEnum):
    THREAD = "thread"
    COMMUNITY = "community"


class Follow(IdMixin, CreatedMixin, Base):
    """A person follows a thread (replies reach them) or a community (new threads do)."""

    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id"),
        Index("ix_follow_target", "target_type", "target_id"),
    )

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigId)


class Delivery(StrEnum):
    """How one kind of notification reaches a person."""

    SITE = "site"
    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


class NotificationPreference(Base):
    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(16), default=Delivery.SITE)


class DigestClaim(Base):
    """One e-mail per person and period: the row is written (and committed) before the
    e-mail is sent, so a run killed half-way never sends the same period twice."""

    __tablename__ = "digest_claim"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    period: Mapped[str] = mapped_column(String(32), primary_key=True)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class NotificationOutbox(Base):
    """The notifications a published post (a reply, a new thread's opening post) owes, not
    yet delivered: written in the post's own transaction, delivered after its commit and
    then removed in the transaction that writes the notifications
    (`community.communities.outbox`). One row per post."""

    __tablename__ = "notification_outbox"

    post_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    # The language of the request that wrote the post: the texts of people without a
    # language setting are written in it, as they were when written in that request.
    locale: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
