"""Treatment and condition reports (public pages, aggregates with small counts hidden)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from community.web import current_user, render
from outcomes.reports import services
from outcomes.treatments import scales

AnyRequest = Request[Any, Any, Any]


@get("/treatments/{slug:str}")
async def treatment_report(request: AnyRequest, db_session: AsyncSession,
                           slug: str) -> Response[str]:
    report = await services.treatment_report(db_session, slug, current_user(request))
    return render(request, "outcomes/treatment_report.html",
                  {"report": report, "scales": scales, "noindex": False})


@get("/conditions/{slug:str}")
async def condition_report(request: AnyRequest, db_session: AsyncSession,
                           slug: str) -> Response[str]:
    report = await services.condition_report(db_session, slug)
    return render(request, "outcomes/condition_report.html",
                  {"report": report, "most_common": services.most_common, "noindex": False})


route_handlers: list[Any] = [treatment_report, condition_report]
