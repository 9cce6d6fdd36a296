"""Vetting's contribution to the core's profile page (`Extensions.profile_extras`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.i18n import gettext as _
from community.profiles.extras import ClinicianCard, ProfileExtras
from moderation.vetting.services import profile_of


async def clinician_profile_extras(
    db: AsyncSession, *, viewer: User | None, subject: User
) -> ProfileExtras | None:
    """A verified clinician's card; the licence number stays with the people who checked it."""
    if not subject.has_role(Role.CLINICIAN):
        return None
    profile = await profile_of(db, subject.id)
    if profile is None:
        return None
    return ProfileExtras(
        clinician=ClinicianCard(
            real_name=profile.real_name,
            profession=profile.profession,
            details=(
                (_("Specialty"), profile.specialty),
                (_("Licensed in"), profile.jurisdiction),
                (_("Conflicts of interest"), profile.disclosures),
                (_("Professional profile"), f"/clinicians/{subject.username}"),
            ),
        )
    )
