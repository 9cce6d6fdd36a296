"""Clinician vetting through HTTP: apply, verify, approve or reject, the public profile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from community.accounts.models import User
from community.audit import AuditEntry
from moderation.vetting.models import ClinicianApplication, ClinicianProfile
from tests.helpers import Visitor
from tests.integration.test_moderation_queue import as_role, rows, scalar

APPLICATION = {
    "real_name": "Dr Ada Okafor",
    "profession": "Physician",
    "specialty": "Rheumatology",
    "licence_number": "GMC 7654321",
    "jurisdiction": "General Medical Council, UK",
    "disclosures": "Speaker fees from ExamplePharma (2024).",
}


def application_id(visitor: Visitor) -> int:
    return int(scalar(visitor, select(func.max(ClinicianApplication.id))))


def test_apply_approve_gives_role_badge_and_public_profile(
    visitor: Visitor, new_visitor: Any
) -> None:
    as_role(visitor, "dr_ada", "patient")
    assert visitor.get("/clinicians/apply").status_code == 200
    assert visitor.post("/clinicians/apply", APPLICATION).status_code == 303
    again = visitor.post("/clinicians/apply", APPLICATION)
    assert again.status_code == 400 and "already being reviewed" in again.text
    assert visitor.get("/education/new").status_code == 403, "not a clinician yet"
    assert visitor.get("/clinicians/dr_ada").status_code == 404

    moderator = new_visitor()
    as_role(moderator, "vetting_mod", "moderator")
    listing = moderator.get("/moderation/clinicians")
    assert listing.status_code == 200 and "GMC 7654321" in listing.text
    approved = moderator.post(
        f"/moderation/clinicians/{application_id(visitor)}/decide",
        {"decision": "approve", "reason": "Checked on the GMC register"},
    )
    assert approved.status_code == 303
    twice = moderator.post(
        f"/moderation/clinicians/{application_id(visitor)}/decide",
        {"decision": "reject", "reason": "oops"},
    )
    assert twice.status_code == 409

    # The role change rotates the applicant's session and takes effect at once.
    assert visitor.get("/education/new").status_code == 200
    profile = new_visitor().get("/clinicians/dr_ada")
    assert profile.status_code == 200
    assert "Dr Ada Okafor" in profile.text and "Verified clinician" in profile.text
    assert "Speaker fees from ExamplePharma" in profile.text
    assert "GMC 7654321" not in profile.text, "the licence number is for the checkers"
    assert rows(visitor, ClinicianProfile) == 1
    assert (
        scalar(
            visitor,
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action.in_(["clinician.approved", "role.granted"])),
        )
        == 2
    )
    mine = visitor.get("/clinicians/apply")
    assert "You are a verified clinician" in mine.text


def test_application_needs_every_field_and_keeps_what_was_typed(visitor: Visitor) -> None:
    as_role(visitor, "half_done", "patient")
    form = dict(APPLICATION, licence_number="", disclosures="")
    response = visitor.post("/clinicians/apply", form)
    assert response.status_code == 400
    assert 'id="licence_number-errors"' in response.text
    assert 'id="disclosures-errors"' in response.text
    assert 'value="Dr Ada Okafor"' in response.text
    assert rows(visitor, ClinicianApplication) == 0
    signed_out = Visitor(visitor.client, __import__("httpx").Cookies())
    assert signed_out.get("/clinicians/apply").status_code == 303


def test_reject_needs_a_reason_and_only_staff_decide(visitor: Visitor, new_visitor: Any) -> None:
    as_role(visitor, "hopeful_doc", "patient")
    visitor.post("/clinicians/apply", APPLICATION)
    app_id = application_id(visitor)
    for role in ("patient", "clinician"):
        other = new_visitor()
        as_role(other, f"not_staff_{role}", role)
        assert other.get("/moderation/clinicians").status_code == 403
        assert (
            other.post(
                f"/moderation/clinicians/{app_id}/decide", {"decision": "approve"}
            ).status_code
            == 403
        )
    assert (
        visitor.post(f"/moderation/clinicians/{app_id}/decide", {"decision": "approve"}).status_code
        == 403
    ), "not your own"
    admin = new_visitor()
    as_role(admin, "vetting_admin", "admin")
    no_reason = admin.post(f"/moderation/clinicians/{app_id}/decide", {"decision": "reject"})
    assert no_reason.status_code == 400 and "Tell the applicant why" in no_reason.text
    rejected = admin.post(
        f"/moderation/clinicians/{app_id}/decide",
        {"decision": "reject", "reason": "Licence not found on the register"},
    )
    assert rejected.status_code == 303
    user_roles = scalar(visitor, select(User).where(User.username == "hopeful_doc")).role_names
    assert {r.value for r in user_roles} == {"patient"}
    assert visitor.post("/clinicians/apply", APPLICATION).status_code == 303, "may apply again"
    assert rows(visitor, ClinicianApplication) == 2, "the rejected application is kept"


def test_staff_cannot_approve_themselves(visitor: Visitor) -> None:
    as_role(visitor, "mod_doc", "moderator")
    visitor.post("/clinicians/apply", APPLICATION)
    response = visitor.post(
        f"/moderation/clinicians/{application_id(visitor)}/decide", {"decision": "approve"}
    )
    assert response.status_code == 403
    assert rows(visitor, ClinicianProfile) == 0


def test_profile_extras_hook_shows_the_verified_card(visitor: Visitor, new_visitor: Any) -> None:
    from community.profiles.extras import ProfileExtras
    from moderation.vetting.extras import clinician_profile_extras
    from tests.integration.test_education import verified_clinician

    doctor_id = verified_clinician(visitor, "dr_card", "Dr Card Holder")
    patient_id = as_role(new_visitor(), "no_card", "patient")

    async def work(runtime: Any) -> tuple[ProfileExtras | None, ProfileExtras | None]:
        async with runtime.sessionmaker() as db:
            doctor = await db.get_one(User, doctor_id)
            patient = await db.get_one(User, patient_id)
            return (
                await clinician_profile_extras(db, viewer=None, subject=doctor),
                await clinician_profile_extras(db, viewer=None, subject=patient),
            )

    card, none = visitor.run(work)
    assert none is None
    assert card is not None and card.clinician is not None
    assert card.clinician.real_name == "Dr Card Holder"
    assert ("Conflicts of interest", "Dr Card Holder: no conflicts of interest.") in (
        card.clinician.details
    )
    assert all("L-1" not in value for _, value in card.clinician.details)
