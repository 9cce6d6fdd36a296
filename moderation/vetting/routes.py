"""Clinician applications, their review by staff, and public professional profiles."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.accounts.services import FormErrors
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.web import current_user, form_data, render, require_role, require_user
from moderation.education.services import published_by
from moderation.vetting import services
from moderation.vetting.footprint import footprint
from moderation.vetting.models import ApplicationStatus

AnyRequest = Request[Any, Any, Any]
staff_only = require_role(Role.MODERATOR, Role.ADMIN)


async def _apply_context(request: AnyRequest, db: AsyncSession) -> dict[str, Any]:
    user = current_user(request)
    assert user is not None
    return {
        "pending": await services.pending_application(db, user.id),
        "profile": await services.profile_of(db, user.id),
        "form": {},
        "errors": {},
    }


@get("/clinicians/apply", guards=[require_user])
async def apply_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    return render(
        request, "moderation/clinician_apply.html", await _apply_context(request, db_session)
    )


@post("/clinicians/apply", guards=[require_user])
async def apply_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    user = await db_session.get_one(User, current_user(request).id)  # type: ignore[union-attr]
    try:
        await services.apply(db_session, user, form)
    except FormErrors as exc:
        context = await _apply_context(request, db_session)
        context.update(form=form, errors=exc.errors)
        return render(request, "moderation/clinician_apply.html", context, status_code=400)
    return redirect_with_message(request, "/clinicians/apply", _(
        "Thank you. A moderator will verify your licence and tell you the outcome."))


@get("/moderation/clinicians", guards=[staff_only])
async def applications_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    status = request.query_params.get("status", ApplicationStatus.PENDING)
    if status not in {s.value for s in ApplicationStatus}:
        status = ApplicationStatus.PENDING
    return render(
        request,
        "moderation/clinician_applications.html",
        {
            "rows": await services.applications(db_session, status),
            "status": status,
            "statuses": list(ApplicationStatus),
            "errors": {},
        },
    )


@post("/moderation/clinicians/{application_id:int}/decide", guards=[staff_only])
async def decide(request: AnyRequest, db_session: AsyncSession, application_id: int) -> Any:
    form = await form_data(request)
    actor = await db_session.get_one(User, current_user(request).id)  # type: ignore[union-attr]
    approve = form.get("decision") == "approve"
    try:
        await services.decide(
            db_session,
            actor,
            application_id,
            approve=approve,
            reason=form.get("reason", ""),
        )
    except FormErrors as exc:
        return render(
            request,
            "moderation/clinician_applications.html",
            {
                "rows": await services.applications(db_session, ApplicationStatus.PENDING),
                "status": ApplicationStatus.PENDING,
                "statuses": list(ApplicationStatus),
                "errors": {application_id: exc.errors["reason"]},
            },
            status_code=400,
        )
    return redirect_with_message(
        request, "/moderation/clinicians",
        _("Approved: the clinician is verified and has been told.") if approve
        else _("Rejected: the applicant has been told."))


@get("/clinicians/{username:str}")
async def profile_page(
    request: AnyRequest, db_session: AsyncSession, username: str
) -> Response[str]:
    found = await services.public_profile(db_session, username)
    if found is None:
        raise NotFoundException(detail=_("No verified clinician by that name."))
    user, profile = found
    articles = await published_by(db_session, user.id)
    return render(
        request,
        "moderation/clinician_profile.html",
        {"clinician": user, "profile": profile, "articles": articles, "noindex": False},
    )


route_handlers = [apply_page, apply_submit, applications_page, decide, profile_page, footprint]
