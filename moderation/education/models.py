"""Clinicians' education articles, their versions and their peer reviews."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.communities.models import Community
from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class VersionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"
    # A once-published version replaced by a newer approved one; kept for the record.
    SUPERSEDED = "superseded"


WORKING_STATUSES = (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.RETURNED)


class Article(IdMixin, CreatedMixin, Base):
    """An article is its versions: at most one published, at most one being worked on."""

    __tablename__ = "education_article"
    __table_args__ = (Index("ix_education_article_author_id", "author_id"),)

    author_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="RESTRICT")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_published_at: Mapped[datetime | None]

    versions: Mapped[list[ArticleVersion]] = relationship(
        back_populates="article",
        order_by="ArticleVersion.number",
        lazy="selectin",
        cascade="save-update, merge",
        passive_deletes="all",
    )
    # The conditions (one community each) the article is about; their members hear of it on
    # their home when it is published. Metadata chosen by the author, not reviewed text.
    communities: Mapped[list[Community]] = relationship(
        secondary="education_article_condition", lazy="selectin", order_by=Community.name,
    )

    @property
    def published(self) -> ArticleVersion | None:
        return next((v for v in self.versions if v.status == VersionStatus.PUBLISHED), None)

    @property
    def working(self) -> ArticleVersion | None:
        return next((v for v in reversed(self.versions) if v.status in WORKING_STATUSES), None)

    @property
    def latest(self) -> ArticleVersion:
        return self.versions[-1]

    @property
    def title(self) -> str:
        shown = self.published or self.latest
        return shown.title


class ArticleCondition(Base):
    __tablename__ = "education_article_condition"
    __table_args__ = (Index("ix_education_article_condition_community_id", "community_id"),)

    article_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("education_article.id", ondelete="CASCADE"), primary_key=True
    )
    community_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("community.id", ondelete="CASCADE"), primary_key=True
    )


class ArticleVersion(IdMixin, CreatedMixin, Base):
    __tablename__ = "education_article_version"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    article_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("education_article.id", ondelete="RESTRICT")
    )
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    references: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=VersionStatus.DRAFT)
    # What screening found when it was submitted, shown to reviewers.
    screen_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]

    article: Mapped[Article] = relationship(back_populates="versions")
    reviews: Mapped[list[ArticleReview]] = relationship(
        back_populates="version",
        order_by="ArticleReview.id",
        lazy="selectin",
        cascade="save-update, merge",
        passive_deletes="all",
    )

    @property
    def reference_list(self) -> list[str]:
        return [line.strip() for line in self.references.splitlines() if line.strip()]


class ArticleReview(IdMixin, CreatedMixin, Base):
    """A second clinician's or a moderator's check of one submitted version."""

    __tablename__ = "education_article_review"
    __table_args__ = (Index("ix_education_article_review_version_id", "version_id"),)

    version_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("education_article_version.id", ondelete="RESTRICT")
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )
    is_general: Mapped[bool] = mapped_column(default=False)
    has_references: Mapped[bool] = mapped_column(default=False)
    has_disclosures: Mapped[bool] = mapped_column(default=False)
    is_not_commercial: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(16))
    comments: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[ArticleVersion] = relationship(back_populates="reviews")

    CHECKLIST = ("is_general", "has_references", "has_disclosures", "is_not_commercial")
