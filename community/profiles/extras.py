"""The hook through which other domains add to a profile page without the core importing them.

Moderation's clinician vetting supplies `Extensions.profile_extras` (community.extensions),
built in community.app. It is awaited once per profile page as
``await extras(db, viewer=..., subject=...)`` and returns a `ProfileExtras` (or None).
Everything in it is plain data: the profile template escapes it like any other text, so a
registered hook cannot inject markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User

if TYPE_CHECKING:
    from community.extensions import ProfileExtrasHook


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


async def extras_for(
    hook: ProfileExtrasHook, db: AsyncSession, *, viewer: User | None, subject: User
) -> ProfileExtras:
    return await hook(db, viewer=viewer, subject=subject) or ProfileExtras()
