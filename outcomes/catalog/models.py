"""Curated vocabularies in the database, and the terms patients propose for them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId, CreatedMixin, IdMixin


class TermKind(StrEnum):
    CONDITION = "condition"
    TREATMENT = "treatment"
    SYMPTOM = "symptom"
    SIDE_EFFECT = "side_effect"


class _Term(IdMixin):
    """What every vocabulary shares: a stable slug, a display name, synonyms."""

    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Terms approved from proposals are not in the shipped files; loading leaves them alone.
    curated: Mapped[bool] = mapped_column(default=True)


class Condition(_Term, Base):
    __tablename__ = "catalog_condition"

    icd10: Mapped[str] = mapped_column(String(16), default="")
    description: Mapped[str] = mapped_column(String(1000), default="")


class Treatment(_Term, Base):
    __tablename__ = "catalog_treatment"

    kind: Mapped[str] = mapped_column(String(16), default="drug")
    drug_class: Mapped[str] = mapped_column(String(200), default="")
    common_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    condition_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)


class Symptom(_Term, Base):
    __tablename__ = "catalog_symptom"

    category: Mapped[str] = mapped_column(String(64), default="")


class SideEffect(_Term, Base):
    __tablename__ = "catalog_side_effect"

    is_symptom: Mapped[bool] = mapped_column(default=False)


TERM_MODELS: dict[TermKind, type[Condition | Treatment | Symptom | SideEffect]] = {
    TermKind.CONDITION: Condition,
    TermKind.TREATMENT: Treatment,
    TermKind.SYMPTOM: Symptom,
    TermKind.SIDE_EFFECT: SideEffect,
}


class ProposalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    MERGED = "merged"
    REJECTED = "rejected"


class TermProposal(IdMixin, CreatedMixin, Base):
    """A term a patient missed; a moderator approves, merges or rejects it."""

    __tablename__ = "catalog_term_proposal"
    __table_args__ = (Index("ix_catalog_term_proposal_status", "status"),)

    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(500), default="")
    proposer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=ProposalStatus.PENDING.value)
    # The term the proposal became (approved) or was folded into (merged).
    merged_into_id: Mapped[int | None] = mapped_column(BigId)
    decided_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(String(500), default="")
