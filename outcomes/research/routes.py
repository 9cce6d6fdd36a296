"""Research pages: the privacy (consent) page, applications, admin vetting, projects, exports."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, ValidationException
from litestar.response import File
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.web import (
    WRITES,
    current_user,
    form_data,
    form_lists,
    render,
    require_role,
    require_user,
    runtime_of,
)
from outcomes.research import api, services
from outcomes.research.models import (
    ApplicationStatus,
    ExportJob,
    JobStatus,
    ProjectToken,
    ResearchApplication,
    ResearchProject,
)
from outcomes.research.tables import available_tables

AnyRequest = Request[Any, Any, Any]
researcher = require_role(Role.RESEARCHER)
admin = require_role(Role.ADMIN)


async def _me(request: AnyRequest, db: AsyncSession) -> User:
    return await db.get_one(User, current_user(request).id)  # type: ignore[union-attr]


# ---- consent ---------------------------------------------------------------------------------


async def _privacy_page(request: AnyRequest, db: AsyncSession, *, errors: Any = None,
                        status_code: int = 200) -> Response[str]:
    user = await _me(request, db)
    history = await services.consent_history(db, user)
    return render(request, "research/privacy.html", {
        "history": history, "in_force": history[0] if history and history[0].granted else None,
        "version": services.CONSENT_VERSION,
        "consent_html": services.document_html(services.consent_text()),
        "errors": errors or {},
    }, status_code=status_code)


@get("/account/privacy", guards=[require_user], include_in_schema=False)
async def privacy_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    return await _privacy_page(request, db_session)


@post("/account/privacy/consent", guards=[require_user], include_in_schema=False)
async def consent_grant(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    try:
        await services.grant_consent(db_session, await _me(request, db_session),
                                     form.get("version", ""))
    except services.FormErrors as exc:
        return await _privacy_page(request, db_session, errors=exc.errors, status_code=400)
    return redirect_with_message(request, "/account/privacy", _(
        "Thank you. Your reports now count in research tables made from the next data "
        "snapshot on."))


@post("/account/privacy/withdraw", guards=[require_user], include_in_schema=False)
async def consent_withdraw(request: AnyRequest, db_session: AsyncSession) -> Any:
    await services.withdraw_consent(db_session, await _me(request, db_session))
    return redirect_with_message(request, "/account/privacy", _(
        "You withdrew your research consent. Every data snapshot from now on (one is taken "
        "at least daily) leaves you out."))


# ---- catalogue, applications -----------------------------------------------------------------


@get("/research", include_in_schema=False)
async def research_home(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    user = current_user(request)
    applications: list[ResearchApplication] = []
    projects: list[ResearchProject] = []
    if user is not None:
        applications = list(await db_session.scalars(
            select(ResearchApplication).where(ResearchApplication.applicant_id == user.id)
            .order_by(ResearchApplication.id.desc())))
        projects = list(await db_session.scalars(
            select(ResearchProject).where(ResearchProject.owner_id == user.id)
            .order_by(ResearchProject.id.desc())))
    return render(request, "research/index.html", {
        "tables": available_tables(), "applications": applications, "projects": projects,
    })


def _apply_context(form: dict[str, str], tables: list[str], errors: Any) -> dict[str, Any]:
    return {"form": form, "chosen": tables, "errors": errors, "tables": available_tables(),
            "dua_version": services.DUA_VERSION,
            "dua_html": services.document_html(services.dua_text())}


@get("/research/apply", guards=[require_user], include_in_schema=False)
async def apply_page(request: AnyRequest) -> Response[str]:
    return render(request, "research/apply.html", _apply_context({}, [], {}))


@post("/research/apply", guards=[require_user], include_in_schema=False)
async def apply_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    tables = (await form_lists(request)).get("tables", [])
    try:
        await services.apply_for_project(db_session, await _me(request, db_session), form,
                                         tables)
    except services.FormErrors as exc:
        return render(request, "research/apply.html", _apply_context(form, tables, exc.errors),
                      status_code=400)
    return redirect_with_message(
        request, "/research", _("Your application was sent. An administrator will review it."))


# ---- admin vetting ---------------------------------------------------------------------------


@get("/admin/research", guards=[admin], include_in_schema=False)
async def admin_applications(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    pending = list(await db_session.scalars(
        select(ResearchApplication).where(ResearchApplication.status == ApplicationStatus.PENDING)
        .order_by(ResearchApplication.id)))
    decided = list(await db_session.scalars(
        select(ResearchApplication).where(ResearchApplication.status != ApplicationStatus.PENDING)
        .order_by(ResearchApplication.id.desc()).limit(50)))
    return render(request, "research/admin.html", {
        "pending": pending, "decided": decided, "default_budget": services.DEFAULT_BUDGET,
        "tables": available_tables(), "errors": {},
    })


@post(
    "/admin/research/applications/{application_id:int}/approve",
    guards=[admin], include_in_schema=False)
async def admin_approve(request: AnyRequest, db_session: AsyncSession,
                        application_id: int) -> Any:
    form = await form_data(request)
    try:
        budget = services.parse_budget(form.get("budget", ""))
        await services.approve_project(db_session, await _me(request, db_session),
                                       application_id, budget)
    except services.FormErrors as exc:
        raise ValidationException(
            detail=" ".join(m for ms in exc.errors.values() for m in ms)) from exc
    except LookupError as exc:
        raise NotFoundException(detail=_("No such pending application.")) from exc
    return redirect_with_message(request, "/admin/research",
                                 _("Approved. The applicant is now a researcher."))


@post(
    "/admin/research/applications/{application_id:int}/reject",
    guards=[admin], include_in_schema=False)
async def admin_reject(request: AnyRequest, db_session: AsyncSession,
                       application_id: int) -> Any:
    form = await form_data(request)
    try:
        await services.reject_project(db_session, await _me(request, db_session),
                                      application_id, form.get("reason", ""))
    except services.FormErrors as exc:
        raise ValidationException(detail=_("Give the applicant a reason.")) from exc
    except LookupError as exc:
        raise NotFoundException(detail=_("No such pending application.")) from exc
    return redirect_with_message(request, "/admin/research",
                                 _("Rejected. The reason is kept with the application."))


# ---- projects --------------------------------------------------------------------------------


async def _project_page(request: AnyRequest, db: AsyncSession, project: ResearchProject, *,
                        new_token: str = "", form: Any = None, errors: Any = None,
                        status_code: int = 200) -> Response[str]:
    tokens = list(await db.scalars(select(ProjectToken).where(ProjectToken.project_id ==
                                                              project.id).order_by(ProjectToken.id)))
    jobs = list(await db.scalars(select(ExportJob).where(ExportJob.project_id == project.id)
                                 .order_by(ExportJob.id.desc()).limit(50)))
    catalogue = available_tables()
    return render(request, "research/project.html", {
        "project": project, "tokens": tokens, "jobs": jobs, "new_token": new_token,
        "budget": services.budget_of(project), "form": form or {}, "errors": errors or {},
        "tables": {name: catalogue[name] for name in project.tables if name in catalogue},
        "choices": await services.filter_choices(db, project),
        "min_epsilon": services.MIN_EPSILON, "max_epsilon": services.MAX_EPSILON,
    }, status_code=status_code)


@get("/research/projects/{project_id:int}", guards=[researcher], include_in_schema=False)
async def project_page(request: AnyRequest, db_session: AsyncSession,
                       project_id: int) -> Response[str]:
    project = await services.project_of(db_session, current_user(request), project_id)
    return await _project_page(request, db_session, project)


@post("/research/projects/{project_id:int}/tokens", guards=[researcher], include_in_schema=False)
async def token_create(request: AnyRequest, db_session: AsyncSession,
                       project_id: int) -> Response[str]:
    project = await services.project_of(db_session, current_user(request), project_id)
    form = await form_data(request)
    plain = await services.create_token(db_session, await _me(request, db_session), project,
                                        form.get("label", ""))
    # Shown once, on this response only; the page says to copy it now.
    return await _project_page(request, db_session, project, new_token=plain)


@post(
    "/research/projects/{project_id:int}/tokens/{token_id:int}/revoke",
    guards=[researcher], include_in_schema=False)
async def token_revoke(request: AnyRequest, db_session: AsyncSession, project_id: int,
                       token_id: int) -> Any:
    project = await services.project_of(db_session, current_user(request), project_id)
    try:
        await services.revoke_token(db_session, await _me(request, db_session), project,
                                    token_id)
    except LookupError as exc:
        raise NotFoundException(detail=_("No such token.")) from exc
    return redirect_with_message(request, f"/research/projects/{project.id}",
                                 _("The token is revoked: it no longer opens the API."))


@post("/research/projects/{project_id:int}/exports", guards=[researcher], include_in_schema=False)
async def export_create(request: AnyRequest, db_session: AsyncSession, project_id: int) -> Any:
    project = await services.project_of(db_session, current_user(request), project_id)
    form = await form_data(request)
    lists = await form_lists(request)
    try:
        parsed = services.parse_export_request(
            project, lists.get("tables", []), lists.get("condition", []),
            lists.get("treatment", []), form.get("year_from"), form.get("year_to"),
            form.get("epsilon"), await services.filter_choices(db_session, project))
        job, _new = await services.request_export(db_session, project, parsed,
                                                  actor_id=current_user(request).id,  # type: ignore[union-attr]
                                                  via="web")
    except services.FormErrors as exc:
        return await _project_page(request, db_session, project, form=lists, errors=exc.errors,
                                   status_code=400)
    except services.NothingToRelease as exc:
        message = _("Nothing in this request can be released: %(reasons)s. Widen the filters "
                    "or the years.") % {"reasons": "; ".join(
                        f"{name}: {_(reason)}" for name, reason in exc.reasons.items())}
        return await _project_page(request, db_session, project, form=lists,
                                   errors={"tables": [message]}, status_code=400)
    except services.BudgetExceeded as exc:
        message = _("This export needs more privacy budget than the project has left "
                    "(%(left)s epsilon).") % {"left": exc.remaining}
        return await _project_page(request, db_session, project, form=lists,
                                   errors={"epsilon": [message]}, status_code=400)
    return redirect_with_message(request, f"/research/exports/{job.id}",
                                 _("Your export is requested: this page shows when it is ready."))


@get("/research/exports/{job_id:int}", guards=[researcher], include_in_schema=False)
async def export_page(request: AnyRequest, db_session: AsyncSession,
                      job_id: int) -> Response[str]:
    job, project = await services.export_of(db_session, current_user(request), job_id)
    link = (services.download_link(runtime_of(request).settings, job)
            if services.downloadable(job) else "")
    return render(request, "research/export.html",
                  {"job": job, "project": project, "download": link,
                   "finished": job.status in (JobStatus.DONE, JobStatus.FAILED)},
                  block="progress")


@get("/research/exports/{job_id:int}/download", guards=[researcher], include_in_schema=False,
     opt=WRITES)
async def export_download(request: AnyRequest, db_session: AsyncSession,
                          job_id: int) -> File:
    job, _project = await services.export_of(db_session, current_user(request), job_id)
    params = request.query_params
    if not services.valid_download(runtime_of(request).settings, job,
                                   params.get("expires", ""), params.get("signature", "")):
        raise NotFoundException(detail=_("This download link has expired; open the export "
                                         "page for a new one."))
    path = await services.download_export(db_session, job,
                                          actor_id=current_user(request).id,  # type: ignore[union-attr]
                                          via="web")
    if path is None:
        raise NotFoundException(detail=_("This export is not available for download."))
    return File(path=path, filename=services.archive_name(job), media_type="application/zip")


route_handlers = [
    privacy_page, consent_grant, consent_withdraw, research_home, apply_page, apply_submit,
    admin_applications, admin_approve, admin_reject, project_page, token_create, token_revoke,
    export_create, export_page, export_download, *api.route_handlers,
]
