"""Clinician vetting: apply with credentials, decide, and the verified profile."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import Role, User
from community.accounts.services import FormErrors, set_role
from community.db import utcnow
from community.errors import Conflict, NotAllowed, NotFound
from community.i18n import gettext as _
from moderation.queue.services import notify_user
from moderation.vetting.models import ApplicationStatus, ClinicianApplication, ClinicianProfile

# field -> (maximum length, message when missing)
FIELDS = {
    "real_name": 120,
    "profession": 80,
    "specialty": 120,
    "licence_number": 64,
    "jurisdiction": 120,
    "disclosures": 4000,
}


def _missing_messages() -> dict[str, str]:
    return {
        "real_name": _("Enter your name as it appears on your licence."),
        "profession": _("Enter your profession, e.g. physician, nurse, pharmacist."),
        "specialty": _("Enter your specialty."),
        "licence_number": _("Enter your licence or registration number."),
        "jurisdiction": _("Enter who issued the licence (country, state or board)."),
        "disclosures": _("Declare your conflicts of interest, or write “None”."),
    }


async def pending_application(db: AsyncSession, user_id: int) -> ClinicianApplication | None:
    return await db.scalar(
        select(ClinicianApplication).where(
            ClinicianApplication.user_id == user_id,
            ClinicianApplication.status == ApplicationStatus.PENDING,
        )
    )


async def apply(db: AsyncSession, user: User, form: dict[str, str]) -> ClinicianApplication:
    """Record an application; one pending at a time."""
    values = {
        name: " ".join(form.get(name, "").split())
        if name != "disclosures"
        else form.get(name, "").strip()
        for name in FIELDS
    }
    errors: dict[str, list[str]] = {}
    for name, limit in FIELDS.items():
        if not values[name]:
            errors[name] = [_missing_messages()[name]]
        elif len(values[name]) > limit:
            errors[name] = [_("Keep this under %(max)d characters.") % {"max": limit}]
    if user.has_role(Role.CLINICIAN):
        errors["application"] = [_("You are already a verified clinician.")]
    elif await pending_application(db, user.id) is not None:
        errors["application"] = [_("Your application is already being reviewed.")]
    if errors:
        raise FormErrors(errors)
    application = ClinicianApplication(user_id=user.id, **values)
    db.add(application)
    await db.flush()
    await audit.record(
        db,
        "clinician.applied",
        actor_id=user.id,
        target_type="clinician_application",
        target_id=application.id,
    )
    return application


async def decide(
    db: AsyncSession, actor: User, application_id: int, *, approve: bool, reason: str
) -> ClinicianApplication:
    """Approve (role, badge, profile) or reject with a reason; never one's own."""
    application = await db.get(ClinicianApplication, application_id)
    if application is None:
        raise NotFound(_("No such application."))
    if application.user_id == actor.id:
        raise NotAllowed(_("Someone else must verify your own application."))
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(_("This application was already decided."))
    reason = reason.strip()
    if not approve and not reason:
        raise FormErrors({"reason": [_("Tell the applicant why, so they can correct it.")]})
    applicant = await db.get_one(User, application.user_id)
    application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
    application.decided_by_id, application.decided_at = actor.id, utcnow()
    application.decision_reason = reason
    if approve:
        await _make_profile(db, actor, application)
        await set_role(db, actor=actor, user=applicant, role=Role.CLINICIAN, granted=True)
    await audit.record(
        db,
        "clinician.approved" if approve else "clinician.rejected",
        actor_id=actor.id,
        target_type="user",
        target_id=applicant.id,
        detail={"application_id": application.id, "reason": reason},
    )
    await _notify(db, applicant.id, approve, reason)
    await db.flush()
    return application


async def _make_profile(db: AsyncSession, actor: User, application: ClinicianApplication) -> None:
    profile = await profile_of(db, application.user_id)
    if profile is None:
        profile = ClinicianProfile(user_id=application.user_id, verified_at=utcnow())
        db.add(profile)
    for name in FIELDS:
        setattr(profile, name, getattr(application, name))
    profile.application_id, profile.verified_by_id = application.id, actor.id
    profile.verified_at = utcnow()


async def _notify(db: AsyncSession, user_id: int, approved: bool, reason: str) -> None:
    text = (
        _("You are now a verified clinician on Kindred.")
        if approved
        else _("Your clinician application was not approved: %(reason)s") % {"reason": reason}
    )
    await notify_user(db, user_id, "moderation", text, "/clinicians/apply")


async def profile_of(db: AsyncSession, user_id: int) -> ClinicianProfile | None:
    return await db.scalar(select(ClinicianProfile).where(ClinicianProfile.user_id == user_id))


async def profiles_of(db: AsyncSession, user_ids: set[int]) -> dict[int, ClinicianProfile]:
    if not user_ids:
        return {}
    rows = await db.scalars(select(ClinicianProfile).where(ClinicianProfile.user_id.in_(user_ids)))
    return {p.user_id: p for p in rows}


async def public_profile(db: AsyncSession, username: str) -> tuple[User, ClinicianProfile] | None:
    """A verified clinician's professional profile, only while they hold the role."""
    user = await db.scalar(
        select(User).where(User.username_key == username.lower(), User.deleted_at.is_(None))
    )
    if user is None or not user.has_role(Role.CLINICIAN):
        return None
    profile = await profile_of(db, user.id)
    return (user, profile) if profile else None


async def applications(db: AsyncSession, status: str) -> list[tuple[ClinicianApplication, str]]:
    rows = await db.execute(
        select(ClinicianApplication, User.username)
        .join(User, User.id == ClinicianApplication.user_id)
        .where(ClinicianApplication.status == status)
        .order_by(ClinicianApplication.id)
    )
    return [(row[0], row[1]) for row in rows]


async def is_verified_clinician(db: AsyncSession, user: User) -> bool:
    return user.has_role(Role.CLINICIAN) and await profile_of(db, user.id) is not None
