"""A signed-in person as a page that only reads needs them: plain values, no ORM object.

Routes marked `community.web.PLAIN_VIEWER` get a `Viewer` instead of the `User` object; it
answers the same questions (`id`, `username`, `role_names`, `has_role`, `is_staff`, ...), so
access rules, templates and cards take either (`Reader`). Building a `User` with its roles
through the ORM cost more than the statement that read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from community.accounts.models import Role, User


@dataclass(frozen=True, slots=True)
class Viewer:
    """The account's columns that requests read, and its roles."""

    id: int
    username: str
    locale: str
    privilege_version: int
    is_active: bool
    deleted_at: datetime | None
    role_names: frozenset[Role]

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


Reader: TypeAlias = User | Viewer
"""Who reads a page: the account as an ORM object, or as plain values."""
