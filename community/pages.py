"""Site-wide pages: home and health check."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.enums import MediaType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from community.db import utcnow
from community.home import (
    VISIT_COLUMNS,
    blocks_shown,
    home_blocks,
    home_context,
    record_visit,
    visit_changes,
)
from community.web import (
    PLAIN_VIEWER,
    SHORT_READS,
    account_columns,
    account_values,
    current_reader,
    render,
    runtime_of,
    side_write,
)

AnyRequest = Request[Any, Any, Any]


@get("/", name="home",
     opt={**SHORT_READS, **PLAIN_VIEWER, **account_columns(*VISIT_COLUMNS)})
async def home(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    """The welcome page for visitors; for a signed-in person, their own home. Its reads are
    indexed and bounded by what the person has (their communities, follows, treatments), so
    on SQLite they run on the event loop (SHORT_READS); the person is read as plain values
    (PLAIN_VIEWER) with their visits' times in the session's statement."""
    viewer = current_reader(request)
    if viewer is None:
        return render(request, "home.html")
    runtime = runtime_of(request)
    seen_at, since = account_values(request)
    home = home_context(viewer, seen_at, since, utcnow(), runtime.settings)
    blocks = await home_blocks(db_session, home, runtime.extensions.home_blocks)
    changes = visit_changes(home)
    if changes:
        async with side_write(request) as db:
            await record_visit(db, viewer.id, changes)
    return render(request, "home_person.html",
                  {"blocks": blocks, "blocks_shown": blocks_shown(blocks), "home": home},
                  frame=("home",), holes=HOME_HOLES)


HOME_HOLES = ("site_header", "content")
"""The personal home's parts rendered for each person: the layout's header (kept per viewer)
and the content (their greeting and their blocks, kept by what the blocks show). What is
kept around them (the head, the footer) is the same for every signed-in home."""


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
