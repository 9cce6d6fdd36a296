"""Site-wide pages: home and health check."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.enums import MediaType
from sqlalchemy import text

from community.web import render, runtime_of

AnyRequest = Request[Any, Any, Any]


@get("/", name="home")
async def home(request: AnyRequest) -> Response[str]:
    return render(request, "home.html")


@get("/healthz", exclude_from_csrf=True)
async def healthz(request: AnyRequest) -> Response[str]:
    """200 when the database answers, 503 when it does not."""
    try:
        async with runtime_of(request).engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return Response("database unreachable\n", status_code=503, media_type=MediaType.TEXT)
    return Response("ok\n", media_type=MediaType.TEXT)


route_handlers = [home, healthz]
