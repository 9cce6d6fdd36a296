"""Research consent, researcher applications and projects, API tokens, export jobs and the
releases they are sliced from."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class ConsentRecord(IdMixin, Base):
    """One grant or withdrawal of research consent; the newest row per person is in force."""

    __tablename__ = "research_consent"
    __table_args__ = (Index("ix_research_consent_user_at", "user_id", "at"),)

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ResearchApplication(IdMixin, CreatedMixin, Base):
    """A registered person's request for a research project, reviewed by an admin."""

    __tablename__ = "research_application"

    applicant_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    full_name: Mapped[str] = mapped_column(String(120))
    institution: Mapped[str] = mapped_column(String(200))
    project_title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    ethics_reference: Mapped[str] = mapped_column(String(120))
    tables: Mapped[list[str]] = mapped_column(JSON, default=list)
    dua_version: Mapped[str] = mapped_column(String(16))
    dua_accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")


class ResearchProject(IdMixin, CreatedMixin, Base):
    """An approved project: its owner, its tables and its finite privacy budget."""

    __tablename__ = "research_project"

    owner_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("research_application.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200))
    tables: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Epsilon as decimal strings: sums of charges must be exact (see privacy.PrivacyBudget).
    budget_total: Mapped[str] = mapped_column(String(24), default="3")
    budget_spent: Mapped[str] = mapped_column(String(24), default="0")
    dua_version: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")


class ProjectToken(IdMixin, CreatedMixin, Base):
    """A revocable API token of a project; only its SHA-256 is stored."""

    __tablename__ = "research_project_token"

    project_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("research_project.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class DataSnapshot(IdMixin, Base):
    """A point in time every release of a table is computed at, once."""

    __tablename__ = "research_snapshot"

    taken_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class StoredRelease(IdMixin, CreatedMixin, Base):
    """One suppressed (maybe noised) table of one snapshot; every export slices it."""

    __tablename__ = "research_release"
    __table_args__ = (
        UniqueConstraint("table_name", "snapshot_id", "epsilon",
                         name="uq_research_release_table_snapshot_epsilon"),
    )

    table_name: Mapped[str] = mapped_column(String(40))
    snapshot_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("research_snapshot.id", ondelete="CASCADE")
    )
    # "" when not noised; otherwise the epsilon the noise was drawn for.
    epsilon: Mapped[str] = mapped_column(String(24), default="")
    release_json: Mapped[str] = mapped_column(Text)


class BudgetCharge(IdMixin, CreatedMixin, Base):
    """Epsilon a project spent on one noised table of one snapshot; charged once."""

    __tablename__ = "research_budget_charge"
    __table_args__ = (
        UniqueConstraint("project_id", "table_name", "snapshot_id", "epsilon",
                         name="uq_research_budget_charge_release"),
    )

    project_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("research_project.id", ondelete="CASCADE")
    )
    table_name: Mapped[str] = mapped_column(String(40))
    snapshot_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("research_snapshot.id", ondelete="CASCADE")
    )
    epsilon: Mapped[str] = mapped_column(String(24))
    job_id: Mapped[int | None] = mapped_column(BigId)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(IdMixin, CreatedMixin, Base):
    """One export: what was asked, how far it got, and the archive it produced."""

    __tablename__ = "research_export_job"
    __table_args__ = (
        Index("ix_research_export_job_status", "status"),
        Index("ix_research_export_job_fingerprint", "project_id", "fingerprint"),
    )

    project_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("research_project.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    via: Mapped[str] = mapped_column(String(8), default="web")
    tables: Mapped[list[str]] = mapped_column(JSON, default=list)
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    epsilon: Mapped[str] = mapped_column(String(24), default="")
    snapshot_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("research_snapshot.id", ondelete="RESTRICT")
    )
    # Same project, tables, filters, epsilon and snapshot: the same export.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    lease_until: Mapped[datetime | None]
    archive_path: Mapped[str] = mapped_column(String(255), default="")
    # Signed download links work until then; the archive is kept as long.
    download_expires_at: Mapped[datetime | None]
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    finished_at: Mapped[datetime | None]
