"""What a patient tracks over time: symptoms, daily check-ins, questionnaire answers.

Symptom summaries per condition are maintained counters (see services), so a condition
page shows its most reported symptoms without scanning every entry.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow
from community.i18n import gettext as _


class Severity(IntEnum):
    NONE = 0
    MILD = 1
    MODERATE = 2
    SEVERE = 3

    @property
    def label(self) -> str:
        return {
            Severity.NONE: _("None"),
            Severity.MILD: _("Mild"),
            Severity.MODERATE: _("Moderate"),
            Severity.SEVERE: _("Severe"),
        }[self]


class Feeling(IntEnum):
    """The daily check-in's answer to "how are you today"."""

    VERY_BAD = 1
    BAD = 2
    OKAY = 3
    GOOD = 4
    VERY_GOOD = 5

    @property
    def label(self) -> str:
        return {
            Feeling.VERY_BAD: _("Very bad"),
            Feeling.BAD: _("Bad"),
            Feeling.OKAY: _("Okay"),
            Feeling.GOOD: _("Good"),
            Feeling.VERY_GOOD: _("Very good"),
        }[self]


class SymptomEntry(IdMixin, CreatedMixin, Base):
    """How severe one symptom was on one day, optionally related to one of the person's
    conditions."""

    __tablename__ = "symptom_entry"
    __table_args__ = (
        CheckConstraint("severity BETWEEN 0 AND 3", name="severity_range"),
        Index("ix_symptom_entry_user_day", "user_id", "recorded_on"),
        Index("ix_symptom_entry_latest", "user_id", "condition_id", "symptom_id", "recorded_on"),
    )

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    symptom_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_symptom.id", ondelete="CASCADE")
    )
    condition_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("catalog_condition.id", ondelete="SET NULL")
    )
    severity: Mapped[int]
    recorded_on: Mapped[date]


class CheckIn(IdMixin, CreatedMixin, Base):
    """One "how are you today" per person per day; checking in again replaces it."""

    __tablename__ = "check_in"
    __table_args__ = (
        UniqueConstraint("user_id", "recorded_on"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
    )

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    recorded_on: Mapped[date]
    level: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class QuestionnaireAnswer(IdMixin, Base):
    """A completed questionnaire: the answers as given and the score by the published rule."""

    __tablename__ = "questionnaire_answer"
    __table_args__ = (Index("ix_questionnaire_answer_user_authored", "user_id", "authored_at"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    questionnaire_version: Mapped[str] = mapped_column(String(32), default="")
    answers: Mapped[dict[str, str]] = mapped_column(JSON)
    """linkId -> answer code."""
    total: Mapped[float] = mapped_column(Float)
    band_code: Mapped[str] = mapped_column(String(64))
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    subscales: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    authored_at: Mapped[datetime] = mapped_column(default=utcnow)


class SymptomSummary(Base):
    """How many patients' latest report of a symptom, related to a condition, has each
    severity. Maintained in the transaction of every symptom write."""

    __tablename__ = "symptom_summary"

    condition_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_condition.id", ondelete="CASCADE"), primary_key=True
    )
    symptom_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_symptom.id", ondelete="CASCADE"), primary_key=True
    )
    severity: Mapped[int] = mapped_column(primary_key=True)
    patients: Mapped[int] = mapped_column(default=0)
