"""Clinician vetting: applications with credentials, and the verified professional profile."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId, CreatedMixin, IdMixin


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ClinicianApplication(IdMixin, CreatedMixin, Base):
    __tablename__ = "clinician_application"
    __table_args__ = (Index("ix_clinician_application_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    real_name: Mapped[str] = mapped_column(String(120))
    profession: Mapped[str] = mapped_column(String(80))
    specialty: Mapped[str] = mapped_column(String(120))
    licence_number: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(120))
    disclosures: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class ClinicianProfile(IdMixin, CreatedMixin, Base):
    """The verified, public professional identity of a clinician."""

    __tablename__ = "clinician_profile"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), unique=True
    )
    application_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("clinician_application.id", ondelete="SET NULL")
    )
    real_name: Mapped[str] = mapped_column(String(120))
    profession: Mapped[str] = mapped_column(String(80))
    specialty: Mapped[str] = mapped_column(String(120))
    licence_number: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(120))
    disclosures: Mapped[str] = mapped_column(Text)
    verified_at: Mapped[datetime]
    verified_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
