"""Treatment courses, their purposes and dose periods, and the evaluations of them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class TreatmentCourse(IdMixin, CreatedMixin, Base):
    """One person taking one treatment from a start date, until it stops."""

    __tablename__ = "treatment_course"
    __table_args__ = (Index("ix_treatment_course_user_treatment", "user_id", "treatment_id"),
                      Index("ix_treatment_course_treatment_id", "treatment_id"))

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    treatment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_treatment.id", ondelete="RESTRICT")
    )
    started_on: Mapped[date]
    stopped_on: Mapped[date | None]
    stop_reason: Mapped[str | None] = mapped_column(String(32))
    stop_reason_other: Mapped[str] = mapped_column(String(300), default="")

    purposes: Mapped[list[CoursePurpose]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="CoursePurpose.id",
        lazy="raise",
    )
    doses: Mapped[list[DosePeriod]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True,
        order_by=lambda: (DosePeriod.started_on, DosePeriod.id),
        lazy="raise",
    )

    @property
    def current_dose(self) -> DosePeriod | None:
        return self.doses[-1] if self.doses else None


class CoursePurpose(IdMixin, Base):
    """What a course is taken for: a condition or a symptom (exactly one of the two)."""

    __tablename__ = "treatment_course_purpose"
    __table_args__ = (UniqueConstraint("course_id", "condition_id", "symptom_id"),)

    course_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("treatment_course.id", ondelete="CASCADE")
    )
    condition_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("catalog_condition.id", ondelete="CASCADE")
    )
    symptom_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("catalog_symptom.id", ondelete="CASCADE")
    )

    @property
    def key(self) -> str:
        return purpose_key(self.condition_id, self.symptom_id)


def purpose_key(condition_id: int | None, symptom_id: int | None) -> str:
    """A purpose as one string, `condition:12` or `symptom:5`, used in evaluations and reports."""
    return f"condition:{condition_id}" if condition_id is not None else f"symptom:{symptom_id}"


def purpose_ids(key: str) -> tuple[int | None, int | None]:
    """(condition_id, symptom_id) of a purpose key."""
    kind, _sep, raw = key.partition(":")
    return (int(raw), None) if kind == "condition" else (None, int(raw))


class DosePeriod(IdMixin, Base):
    """A dose from a date on; a dose change starts a new period of the same course."""

    __tablename__ = "treatment_dose_period"
    __table_args__ = (Index("ix_treatment_dose_period_course_id", "course_id"),)

    course_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("treatment_course.id", ondelete="CASCADE")
    )
    started_on: Mapped[date]
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(16), default="")
    frequency: Mapped[str] = mapped_column(String(16), default="")
    as_needed: Mapped[bool] = mapped_column(default=False)


class Evaluation(IdMixin, CreatedMixin, Base):
    """How a course worked for its patient at one date."""

    __tablename__ = "treatment_evaluation"
    __table_args__ = (Index("ix_treatment_evaluation_course_id", "course_id"),
                      Index("ix_treatment_evaluation_user_id", "user_id"),
                      # The report's newest shared evaluations, per audience, in index order.
                      Index("ix_treatment_evaluation_treatment_recent", "treatment_id",
                            "visibility", "evaluated_on", "id"))

    course_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("treatment_course.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    # Copied from the course so a report lists shared evaluations with one indexed query.
    treatment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_treatment.id", ondelete="RESTRICT")
    )
    evaluated_on: Mapped[date]
    side_effect_severity: Mapped[str] = mapped_column(String(16))
    adherence: Mapped[str] = mapped_column(String(16))
    burden: Mapped[str] = mapped_column(String(16))
    cost: Mapped[str] = mapped_column(String(16))
    tip: Mapped[str] = mapped_column(Text, default="")
    # published | held | off_platform | removed (by a moderator): a tip that is not
    # published is shown to its author only.
    tip_status: Mapped[str] = mapped_column(String(16), default="published")
    visibility: Mapped[str] = mapped_column(String(16), default="members")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    effects: Mapped[list[EvaluationEffect]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="EvaluationEffect.id",
        lazy="raise",
    )
    side_effects: Mapped[list[EvaluationSideEffect]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class EvaluationEffect(IdMixin, Base):
    """Effectiveness for one purpose of the course."""

    __tablename__ = "treatment_evaluation_effect"
    __table_args__ = (UniqueConstraint("evaluation_id", "purpose"),)

    evaluation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("treatment_evaluation.id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(String(40))
    effectiveness: Mapped[str] = mapped_column(String(16))
    # The purpose again as ids, so research tables can join the vocabularies directly.
    condition_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("catalog_condition.id", ondelete="CASCADE")
    )
    symptom_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("catalog_symptom.id", ondelete="CASCADE")
    )


class EvaluationSideEffect(Base):
    __tablename__ = "treatment_evaluation_side_effect"

    evaluation_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("treatment_evaluation.id", ondelete="CASCADE"), primary_key=True
    )
    side_effect_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_side_effect.id", ondelete="CASCADE"), primary_key=True
    )
