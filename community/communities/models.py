"""Disclosure communities, memberships, threads, posts, their versions and reactions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    DDL,
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import Role, User
from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class ThreadKind(StrEnum):
    DISCUSSION = "discussion"
    ASK_A_CLINICIAN = "ask_a_clinician"


class Audience(StrEnum):
    MEMBERS = "members"
    PUBLIC = "public"


class PostStatus(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    OFF_PLATFORM = "off_platform"
    AUTHOR_DELETED = "author_deleted"
    REMOVED = "removed"


class CrisisPosts(StrEnum):
    """What a community does with a post screened as a crisis."""

    HOLD = "hold"
    PUBLISH_WITH_NOTICE = "publish_with_notice"


class ReactionKind(StrEnum):
    HELPFUL = "helpful"
    HUGS = "hugs"


class Community(IdMixin, CreatedMixin, Base):
    __tablename__ = "community"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    icd10: Mapped[str] = mapped_column(String(16))
    condition_slug: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    archived_at: Mapped[datetime | None]
    # Maintained by join/leave in the same transaction, so pages never count rows.
    member_count: Mapped[int] = mapped_column(default=0)
    # Held until a moderator decides (default), or published with a content notice.
    crisis_posts: Mapped[str] = mapped_column(
        String(24), default=CrisisPosts.HOLD.value, server_default=CrisisPosts.HOLD.value
    )


class Membership(Base):
    __tablename__ = "community_membership"
    __table_args__ = (
        UniqueConstraint("user_id", "community_id", name="uq_community_membership_user_community"),
        Index("ix_community_membership_community_id", "community_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Thread(IdMixin, CreatedMixin, Base):
    __tablename__ = "thread"
    __table_args__ = (
        Index("ix_thread_community_activity", "community_id", "last_activity_at", "id"),
        Index("ix_thread_author_id", "author_id"),
    )

    community_id: Mapped[int] = mapped_column(BigId, ForeignKey("community.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=ThreadKind.DISCUSSION.value)
    audience: Mapped[str] = mapped_column(String(10), default=Audience.MEMBERS.value)
    # Mirrors the opening post's status: a held opening post hides the whole thread.
    status: Mapped[str] = mapped_column(String(16), default=PostStatus.PUBLISHED.value)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Published replies only (the opening post is not a reply).
    reply_count: Mapped[int] = mapped_column(default=0)
    moved_off_platform_at: Mapped[datetime | None]

    author: Mapped[User] = relationship(lazy="raise", foreign_keys=[author_id])
    community: Mapped[Community] = relationship(lazy="raise")


def card_fields(post: Any) -> tuple[Any, ...]:
    """What a post card shows (templates/communities/_post.html), in the order the card reads
    it, from a `Post` or a `services.PostCard` alike: the card takes them in one call instead
    of one of Jinja's attribute lookups (and a call for the date's ISO form) each."""
    created_at = post.created_at
    return (post.id, post.author_id, post.status, post.version, post.edited_at,
            post.helpful_count, post.hugs_count, post.screen_labels, post.author_username,
            post.author_deleted_at, post.author_is_clinician, post.thread_id, created_at,
            created_at.isoformat(), post.body_markup)


class Post(IdMixin, CreatedMixin, Base):
    __tablename__ = "post"
    __table_args__ = (
        Index("ix_post_thread_id_id", "thread_id", "id"),
        Index("ix_post_author_id_status", "author_id", "status"),
    )

    thread_id: Mapped[int] = mapped_column(BigId, ForeignKey("thread.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=PostStatus.PUBLISHED.value)
    screen_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    screen_spans: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    edited_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    helpful_count: Mapped[int] = mapped_column(default=0)
    hugs_count: Mapped[int] = mapped_column(default=0)

    author: Mapped[User] = relationship(lazy="raise", foreign_keys=[author_id])
    thread: Mapped[Thread] = relationship(lazy="raise")

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED

    @property
    def body_markup(self) -> Markup:
        """The body as HTML: sanitized by nh3 against the allow-list when it was written."""
        return Markup(self.body_html)  # noqa: S704 - sanitized at write (community.markdown)

    # What a post card shows of its author, named as in the card's plain-column form
    # (community.communities.services.PostFacts); `author` must be loaded.
    @property
    def author_username(self) -> str:
        return self.author.username

    @property
    def author_deleted_at(self) -> datetime | None:
        return self.author.deleted_at

    @property
    def author_is_clinician(self) -> bool:
        return self.author.has_role(Role.CLINICIAN)

    card_fields = property(card_fields)


class PostVersion(Base):
    """Every version of a post's text, the current one included."""

    __tablename__ = "post_version"
    __table_args__ = (UniqueConstraint("post_id", "version", name="uq_post_version_post_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(BigId, ForeignKey("post.id", ondelete="CASCADE"))
    version: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    screen_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reaction(Base):
    __tablename__ = "post_reaction"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id", "kind", name="uq_post_reaction_post_user_kind"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(BigId, ForeignKey("post.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)



class ReplyDraft(Base):
    """The reply a person is writing in a thread, kept on the server until they post it or
    empty it: one per (person, thread), read only by its owner (see communities.drafts)."""

    __tablename__ = "reply_draft"
    __table_args__ = (Index("ix_reply_draft_user_updated", "user_id", "updated_at"),)

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("thread.id", ondelete="CASCADE"), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

# ---- full-text search DDL (the migration pastes the same strings) -----------------------

SQLITE_SEARCH_DDL: tuple[str, ...] = (
    "CREATE VIRTUAL TABLE posts_fts USING fts5("
    "body, content='post', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER post_fts_insert AFTER INSERT ON post BEGIN "
    "INSERT INTO posts_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER post_fts_delete AFTER DELETE ON post BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER post_fts_update AFTER UPDATE OF body ON post BEGIN "
    "INSERT INTO posts_fts(posts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO posts_fts(rowid, body) VALUES (new.id, new.body); END",
    # Indexes posts written before the table existed (none when created with the schema).
    "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')",
)
SQLITE_SEARCH_DROP: tuple[str, ...] = (
    "DROP TRIGGER IF EXISTS post_fts_update",
    "DROP TRIGGER IF EXISTS post_fts_delete",
    "DROP TRIGGER IF EXISTS post_fts_insert",
    "DROP TABLE IF EXISTS posts_fts",
)
# A stored vector, not an expression index: ranking and the generic plans asyncpg's prepared
# statements get would otherwise parse every candidate body again (see migration 0005).
POSTGRES_SEARCH_DDL: tuple[str, ...] = (
    "ALTER TABLE post ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english', body)) STORED",
    # No pending list: every search would read it in full (migration 0006).
    "CREATE INDEX ix_post_search_vector ON post USING gin (search_vector) "
    "WITH (fastupdate = off)",
)
POSTGRES_SEARCH_DROP: tuple[str, ...] = (
    "DROP INDEX IF EXISTS ix_post_search_vector",
    "ALTER TABLE post DROP COLUMN IF EXISTS search_vector",
)

for _statement in SQLITE_SEARCH_DDL:
    event.listen(Post.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_SEARCH_DDL:
    event.listen(Post.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_SEARCH_DROP:
    event.listen(Post.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
