"""Private messages between members, and blocks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class MessageStatus(StrEnum):
    """Only delivered messages reach the recipient; the others stay with their sender."""

    DELIVERED = "delivered"
    HELD = "held"
    OFF_PLATFORM = "off_platform"


class Message(IdMixin, CreatedMixin, Base):
    __tablename__ = "private_message"
    __table_args__ = (
        Index("ix_private_message_recipient_id_sender_id", "recipient_id", "sender_id"),
        Index("ix_private_message_sender_id_recipient_id", "sender_id", "recipient_id"),
    )

    sender_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE")
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.DELIVERED)
    # Screening labels, comma-separated, kept so the sender can be told why.
    labels: Mapped[str] = mapped_column(String(128), default="")
    read_at: Mapped[datetime | None]
    reported_at: Mapped[datetime | None]


class Block(Base):
    """`blocker` no longer hears from `blocked`; neither can write to the other while it lasts."""

    __tablename__ = "user_block"

    blocker_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
