"""The research JSON API (/api/v1/research): exports and budget, for project tokens.

Authentication is `Authorization: Bearer <project token>` only (no cookies, so CSRF does not
apply); a token reaches exactly one project. Errors answer {"status_code", "detail"}.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Router, get, post
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.response import File
from sqlalchemy.ext.asyncio import AsyncSession

from community.web import WRITES
from outcomes.research import services
from outcomes.research.models import ExportJob, ResearchProject
from outcomes.research.services import BudgetExceeded, FormErrors

AnyRequest = Request[Any, Any, Any]


class ExportCreate(msgspec.Struct, forbid_unknown_fields=True):
    """What to export: catalogue tables, optional filters, optional noise."""

    tables: list[str]
    conditions: list[str] = []
    treatments: list[str] = []
    year_from: int | None = None
    year_to: int | None = None
    epsilon: str | None = msgspec.field(default=None)


class ExportStatus(msgspec.Struct):
    """An export job: its progress, and when done its manifest and download path."""

    id: int
    status: str
    progress: int
    tables: list[str]
    filters: dict[str, Any]
    epsilon: str | None
    created_at: datetime
    finished_at: datetime | None
    error: str
    download_url: str | None
    download_expires_at: datetime | None
    manifest: dict[str, Any] | None


class Budget(msgspec.Struct):
    """The project's differential-privacy budget, in epsilon (decimal strings)."""

    project_id: int
    total: str
    spent: str
    remaining: str


class Unauthorized(HTTPException):
    """401 for the API: a missing, unknown or revoked token (not the sign-in redirect)."""

    status_code = 401


async def _project(request: AnyRequest, db: AsyncSession) -> ResearchProject:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    project = None
    if scheme.lower() == "bearer" and token.strip():
        project = await services.project_for_token(db, token.strip())
    if project is None:
        raise Unauthorized(detail="A valid project token is required (Authorization: Bearer).",
                           headers={"WWW-Authenticate": 'Bearer realm="kindred-research"'})
    return project


async def _job(db: AsyncSession, project: ResearchProject, job_id: int) -> ExportJob:
    job = await db.get(ExportJob, job_id)
    if job is None or job.project_id != project.id:
        raise NotFoundException(detail="No such export.")
    return job


def _status(job: ExportJob) -> ExportStatus:
    ready = job.status == "done"
    return ExportStatus(
        id=job.id, status=job.status, progress=job.progress, tables=list(job.tables),
        filters=dict(job.filters), epsilon=job.epsilon or None, created_at=job.created_at,
        finished_at=job.finished_at, error=job.error,
        download_url=f"/api/v1/research/exports/{job.id}/download" if ready else None,
        download_expires_at=job.download_expires_at if ready else None,
        manifest=dict(job.manifest) if ready else None,
    )


# Documented in the OpenAPI schema: every call may answer 401 (bad or revoked token) and
# 404 (not this project's export, or an id that does not exist).
API_ERRORS = [NotAuthorizedException, NotFoundException]


@post("/exports", status_code=202, summary="Request an export", raises=API_ERRORS,
      description="Queue an export of catalogue tables. Filters name conditions and treatments "
      "of the vocabularies. Asking the same thing again within one data snapshot returns the "
      "same export, charged once. 409 when the privacy budget is too small (the detail says "
      "how much is left); 422 when no table of the request can be released (each table's "
      "reason: no data in the chosen range, or the request is too narrow). Tables left out of "
      "a finished export are named in its manifest's `not_released`.")
async def create_export(request: AnyRequest, db_session: AsyncSession,
                        data: ExportCreate) -> ExportStatus:
    project = await _project(request, db_session)
    try:
        parsed = services.parse_export_request(
            project, data.tables, data.conditions, data.treatments, data.year_from,
            data.year_to, data.epsilon, await services.filter_choices(db_session, project))
        job, _new = await services.request_export(db_session, project, parsed,
                                                  actor_id=project.owner_id, via="api")
    except FormErrors as exc:
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise HTTPException(status_code=400, detail=detail) from exc
    except services.NothingToRelease as exc:
        raise HTTPException(status_code=422, detail=f"Nothing in this request can be released: "
                            f"{exc}.", extra={"not_released": exc.reasons}) from exc
    except BudgetExceeded as exc:
        raise HTTPException(status_code=409, detail=f"Privacy budget exceeded: {exc.remaining}"
                            " epsilon left.", extra={"remaining": str(exc.remaining)}) from exc
    return _status(job)


@get("/exports/{job_id:int}", summary="Status of an export", raises=API_ERRORS)
async def export_status(request: AnyRequest, db_session: AsyncSession,
                        job_id: int) -> ExportStatus:
    project = await _project(request, db_session)
    return _status(await _job(db_session, project, job_id))


@get("/exports/{job_id:int}/download", summary="Download an export's zip archive",
     raises=API_ERRORS,
     media_type="application/zip", opt=WRITES)
async def export_download(request: AnyRequest, db_session: AsyncSession, job_id: int) -> File:
    project = await _project(request, db_session)
    job = await _job(db_session, project, job_id)
    path = await services.download_export(db_session, job, actor_id=project.owner_id, via="api")
    if path is None:
        raise NotFoundException(detail="This export is not ready or has expired.")
    return File(path=path, filename=services.archive_name(job), media_type="application/zip")


@get("/budget", summary="The project's privacy budget", raises=API_ERRORS)
async def budget(request: AnyRequest, db_session: AsyncSession) -> Budget:
    project = await _project(request, db_session)
    current = services.budget_of(project)
    return Budget(project_id=project.id, total=str(current.total), spent=str(current.spent),
                  remaining=str(current.remaining))


api_router = Router(
    path="/api/v1/research",
    route_handlers=[create_export, export_status, export_download, budget],
    tags=["research"],
)

route_handlers = [api_router]
