"""People, their roles, their sessions and their single-use e-mail tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.db import Base, BigId, CreatedMixin, IdMixin, utcnow


class Role(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"
    RESEARCHER = "researcher"
    MODERATOR = "moderator"
    ADMIN = "admin"


class RoleQuestions:
    """What the access rules ask of a person's roles: a loaded `User` and the thread page's
    plain `Viewer` (community.accounts.viewer) answer them alike."""

    __slots__ = ()

    if TYPE_CHECKING:
        # Each class provides it: User from its role rows, Viewer as a field.
        @property
        def role_names(self) -> frozenset[Role]: ...

    def has_role(self, *roles: Role) -> bool:
        return not self.role_names.isdisjoint(roles)

    @property
    def is_staff(self) -> bool:
        return self.has_role(Role.MODERATOR, Role.ADMIN)

    @property
    def primary_role(self) -> Role:
        for role in (Role.ADMIN, Role.MODERATOR, Role.CLINICIAN, Role.RESEARCHER):
            if role in self.role_names:
                return role
        return Role.PATIENT


class User(RoleQuestions, IdMixin, CreatedMixin, Base):
    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(32))
    # Usernames are unique regardless of case; the key is what uniqueness is checked on.
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    email_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped on every role change; sessions minted under an older version are rotated.
    privilege_version: Mapped[int] = mapped_column(default=1)
    is_active: Mapped[bool] = mapped_column(default=True)
    deleted_at: Mapped[datetime | None]
    # The language the person chose (community.i18n.LANGUAGES); "" follows the browser.
    locale: Mapped[str] = mapped_column(String(8), default="")
    # The person's last look at their home, and since when things are "new" on this visit
    # (community.home).
    home_seen_at: Mapped[datetime | None]
    home_since: Mapped[datetime | None]

    roles: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user",
        foreign_keys="UserRole.user_id",
    )

    @property
    def role_names(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.roles)



class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class UserSession(Base):
    """A signed-in browser. Only the SHA-256 of the cookie value is stored."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id", "user_id"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    privilege_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    client_address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class EmailToken(IdMixin, CreatedMixin, Base):
    """A single-use link sent by e-mail: password reset or address verification."""

    __tablename__ = "email_token"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("user_account.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RateCounter(Base):
    """A fixed-window counter shared by every process through the database."""

    __tablename__ = "rate_counter"
    __table_args__ = (UniqueConstraint("key", name="uq_rate_counter_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    count: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]


class FormReceipt(Base):
    """A form submission carried out: the same one-time token sent again (a double click, a
    flaky network) answers with where the first went instead of doing it twice."""

    __tablename__ = "form_receipt"

    user_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
