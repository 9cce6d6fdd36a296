"""The review queue: one item per (target, reason), its scored flags, its history,
and what moderators keep about people (notes, penalties)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    IGNORED = "ignored"


class PenaltyKind(StrEnum):
    SILENCE = "silence"
    SUSPEND = "suspend"


class ReviewItem(IdMixin, CreatedMixin, Base):
    """Everything a moderator must look at about one target for one reason."""

    __tablename__ = "review_item"
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "reason"),
        Index("ix_review_item_queue", "status", "priority", "opened_at"),
        Index("ix_review_item_author_id", "author_id"),
    )

    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(BigId)
    reason: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.PENDING)
    priority: Mapped[int] = mapped_column(default=0)
    score: Mapped[float] = mapped_column(default=0.0)
    # Bumped by every transition; a decision made against an older version answers 409.
    version: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    community_id: Mapped[int | None] = mapped_column(BigId)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    # When the item last (re)entered the queue: its age is measured from here.
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None]

    flags: Mapped[list[Flag]] = relationship(
        back_populates="item",
        order_by="Flag.id",
        cascade="save-update, merge",
        passive_deletes="all",
    )
    history: Mapped[list[ReviewHistory]] = relationship(
        back_populates="item",
        order_by="ReviewHistory.id",
        cascade="save-update, merge",
        passive_deletes="all",
    )
    appeals: Mapped[list[Appeal]] = relationship(
        back_populates="item",
        order_by="Appeal.id",
        cascade="save-update, merge",
        passive_deletes="all",
    )

    @property
    def is_pending(self) -> bool:
        return self.status == ReviewStatus.PENDING


class Flag(IdMixin, CreatedMixin, Base):
    """One scored reason on an item: a member's flag, or the screening pipeline's verdict
    (flagger_id empty)."""

    __tablename__ = "review_flag"
    __table_args__ = (Index("ix_review_flag_item_id", "item_id"),)

    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("review_item.id", ondelete="RESTRICT"))
    flagger_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float] = mapped_column(default=1.0)

    item: Mapped[ReviewItem] = relationship(back_populates="flags")


class ReviewHistory(IdMixin, Base):
    """One transition of an item; never updated, never deleted."""

    __tablename__ = "review_history"
    __table_args__ = (Index("ix_review_history_item_id", "item_id"),)

    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("review_item.id", ondelete="RESTRICT"))
    actor_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[ReviewItem] = relationship(back_populates="history")


class Appeal(IdMixin, CreatedMixin, Base):
    """The author's request to look again at a decision on their content."""

    __tablename__ = "review_appeal"
    __table_args__ = (Index("ix_review_appeal_item_id", "item_id"),)

    item_id: Mapped[int] = mapped_column(BigId, ForeignKey("review_item.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)

    item: Mapped[ReviewItem] = relationship(back_populates="appeals")


class ModeratorNote(IdMixin, CreatedMixin, Base):
    """What moderators want each other to know about a person; staff-only."""

    __tablename__ = "moderator_note"
    __table_args__ = (Index("ix_moderator_note_subject_user_id", "subject_user_id"),)

    subject_user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)


class Penalty(IdMixin, CreatedMixin, Base):
    """A silence (cannot post) or a suspension (cannot sign in), until a time or lifted."""

    __tablename__ = "moderation_penalty"
    __table_args__ = (Index("ix_moderation_penalty_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    until: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )

    def is_active(self, now: datetime) -> bool:
        return self.lifted_at is None and (self.until is None or self.until > now)
