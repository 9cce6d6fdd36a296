"""Admin pages for people and the audit log."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, ValidationException
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts import services
from community.accounts.models import Role, User
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.web import current_user, form_data, render, require_role, role_label

AnyRequest = Request[Any, Any, Any]
# Clinician and researcher roles come only from their vetting workflows.
GRANTABLE_HERE = {Role.MODERATOR, Role.ADMIN}
PAGE = 50


@get("/admin/users", guards=[require_role(Role.ADMIN)])
async def users_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    query = request.query_params.get("q", "").strip().lower()[:254]
    statement = select(User).order_by(User.id.desc()).limit(PAGE)
    if query:
        statement = statement.where(
            or_(User.username_key.contains(query), User.email.contains(query))
        )
    users = list(await db_session.scalars(statement))
    return render(request, "admin/users.html",
                  {"users": users, "q": query, "grantable": sorted(GRANTABLE_HERE)})


@post("/admin/users/{user_id:int}/roles", guards=[require_role(Role.ADMIN)])
async def change_role(request: AnyRequest, db_session: AsyncSession, user_id: int) -> Any:
    form = await form_data(request)
    try:
        role = Role(form.get("role", ""))
    except ValueError as exc:
        raise ValidationException(detail=_("Unknown role.")) from exc
    if role not in GRANTABLE_HERE:
        raise ValidationException(
            detail=_("Clinician and researcher roles are granted through their applications.")
        )
    user = await db_session.get(User, user_id)
    if user is None:
        raise NotFoundException(detail=_("No such person."))
    actor = await db_session.get_one(User, current_user(request).id)  # type: ignore[union-attr]
    granted = form.get("grant") == "1"
    await services.set_role(db_session, actor=actor, user=user, role=role, granted=granted)
    message = (_("%(name)s now has the role: %(role)s.") if granted
               else _("%(name)s no longer has the role: %(role)s.")) % {
        "name": user.username, "role": role_label(role)}
    return redirect_with_message(request, "/admin/users", message)


@get("/admin/audit", guards=[require_role(Role.ADMIN)])
async def audit_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    before = request.query_params.get("before")
    statement = select(audit.AuditEntry).order_by(audit.AuditEntry.seq.desc()).limit(PAGE)
    if before and before.isdigit():
        statement = statement.where(audit.AuditEntry.seq < int(before))
    entries = list(await db_session.scalars(statement))
    result = await audit.verify(db_session) if not before else None
    return render(request, "admin/audit.html",
                  {"entries": entries, "verify": result,
                   "next_before": entries[-1].seq if len(entries) == PAGE else None},
                  block="entries")


route_handlers = [users_page, change_role, audit_page]
