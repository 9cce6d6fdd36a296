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

from community.accounts.models import Role, RoleQuestions, User


@dataclass(frozen=True, slots=True)
class Viewer(RoleQuestions):
    """The account's columns that requests read, and its roles."""

    id: int
    username: str
    locale: str
    privilege_version: int
    is_active: bool
    deleted_at: datetime | None
    role_names: frozenset[Role]


Reader: TypeAlias = User | Viewer
"""Who reads a page: the account as an ORM object, or as plain values."""
