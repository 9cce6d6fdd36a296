"""The hook through which other domains add to a profile page without the core importing them.

Moderation's clinician vetting registers one callable at start-up::

    runtime.extensions["profile_extras"] = clinician_profile_extras

It is awaited once per profile page as ``await extras(db, viewer=..., subject=...)`` and
returns a `ProfileExtras` (or None). Everything in it is plain data: the profile template
escapes it like any other text, so a registered hook cannot inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User

EXTENSION_KEY = "profile_extras"


@dataclass(frozen=True)
class ClinicianCard:
    """A vetted clinician's professional identity, shown with a verified badge."""

    real_name: str
    profession: str
    verified: bool = True
    details: tuple[tuple[str, str], ...] = ()  # (label, value) pairs, e.g. licence, disclosures


@dataclass(frozen=True)
class ProfileExtras:
    clinician: ClinicianCard | None = None


class ProfileExtrasHook(Protocol):
    async def __call__(
        self, db: AsyncSession, *, viewer: User | None, subject: User
    ) -> ProfileExtras | None: ...


async def extras_for(
    extensions: dict[str, Any], db: AsyncSession, *, viewer: User | None, subject: User
) -> ProfileExtras:
    hook: ProfileExtrasHook | None = extensions.get(EXTENSION_KEY)
    if hook is None:
        return ProfileExtras()
    return await hook(db, viewer=viewer, subject=subject) or ProfileExtras()
