"""Summary tables behind the treatment and condition reports.

They are maintained in the same transaction as every course and evaluation write
(`outcomes.reports.summaries`), so a report reads a handful of rows however many
evaluations exist. The unit counted is a patient's experience of a treatment: all of one
person's courses of one treatment, judged by that person's latest evaluation of it.
"""

from __future__ import annotations

import secrets

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId


def new_version() -> int:
    """A fresh random version: never equal to one a process may have cached before, even
    after a rebuild empties and refills the tables (a counter would start again)."""
    return secrets.randbits(62)


class TreatmentSummary(Base):
    __tablename__ = "report_treatment_summary"

    treatment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_treatment.id", ondelete="CASCADE"), primary_key=True
    )
    current_patients: Mapped[int] = mapped_column(default=0)
    former_patients: Mapped[int] = mapped_column(default=0)
    evaluations: Mapped[int] = mapped_column(default=0)
    # Changes with every write to this treatment's courses or evaluations (counts,
    # visibility, tips), so a rendered report can be reused while it stays the same.
    version: Mapped[int] = mapped_column(BigInteger, default=new_version, server_default="0")


class TreatmentAnswerCount(Base):
    """Patients per answer: `question` is e.g. `adherence`, `effectiveness:condition:3`,
    `side_effect`, `purpose`, `stop_reason`, `dose`, `duration`."""

    __tablename__ = "report_treatment_answer"

    treatment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_treatment.id", ondelete="CASCADE"), primary_key=True
    )
    question: Mapped[str] = mapped_column(String(48), primary_key=True)
    answer: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class ConditionTreatmentCount(Base):
    """Patients taking a treatment for a condition, and how their latest evaluation rated it."""

    __tablename__ = "report_condition_treatment"
    __table_args__ = (Index("ix_report_condition_treatment_condition", "condition_id",
                            "patients"),)

    condition_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_condition.id", ondelete="CASCADE"), primary_key=True
    )
    treatment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_treatment.id", ondelete="CASCADE"), primary_key=True
    )
    patients: Mapped[int] = mapped_column(default=0)
    evaluations: Mapped[int] = mapped_column(default=0)
    effect_major: Mapped[int] = mapped_column(default=0)
    effect_moderate: Mapped[int] = mapped_column(default=0)
    effect_slight: Mapped[int] = mapped_column(default=0)
    effect_none: Mapped[int] = mapped_column(default=0)
    effect_cant_tell: Mapped[int] = mapped_column(default=0)


class ConditionReportVersion(Base):
    """Changes whenever the condition's treatment counts change (see `TreatmentSummary.version`)."""

    __tablename__ = "report_condition_version"

    condition_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_condition.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(BigInteger, default=new_version)


class CohortVersion(Base):
    """One row: changes with every write to a profile or a profile's conditions, the facts
    a narrowed report groups people by ("people like me"), so a narrowed view is reused
    only while both its treatment's version and this one are unchanged."""

    __tablename__ = "report_cohort_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=new_version)


class StoredCohortRelease(Base):
    """A treatment's narrowed release as last built (`outcomes.reports.cohorts`), with what it
    was built from: built once per report version for every process, not once per process
    (seconds for a treatment of many thousand patients, a few milliseconds to read)."""

    __tablename__ = "report_cohort_release"

    treatment_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("catalog_treatment.id", ondelete="CASCADE"), primary_key=True
    )
    treatment_version: Mapped[int] = mapped_column(BigInteger)
    cohort_version: Mapped[int] = mapped_column(BigInteger)
    year: Mapped[int]
    fewer_than: Mapped[int]
    built: Mapped[bytes] = mapped_column(LargeBinary)
    """`cohorts.dump_release`: the categories and every table's counts and statuses."""
