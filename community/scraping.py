"""Scraping defence: people who view too many profiles or threads are slowed and reported.

PatientsLikeMe caught a scraper by its viewing rate; the same signal works here. Each
signed-in account and each anonymous address has a view budget per window; past it the
view is refused with 429 and Retry-After, and the first excess is reported for review.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.i18n import gettext as _
from community.screening import HeldContent, ScreenAction, Verdict
from community.web import client_address, current_user, runtime_of, side_write, writes


async def record_view(request: Request[Any, Any, Any], db: AsyncSession, kind: str) -> None:
    """Count one view of a profile or thread; refuse it when the viewer is over budget."""
    runtime = runtime_of(request)
    settings = runtime.settings
    user = current_user(request)
    window = timedelta(seconds=settings.views_window_seconds)
    key = f"views:user:{user.id}" if user else f"views:address:{client_address(request)}"
    # Anonymous visitors get half the budget: they have no reason to read at scale.
    budget = settings.views_per_window if user else max(1, settings.views_per_window // 2)
    # Traffic counters: no write in this request's transaction (see community.throttle).
    count = await runtime.traffic.hit(key, window)
    if count <= budget:
        return
    if count == budget + 1:
        # A page view reads: the report is written apart from its transaction.
        async with side_write(request) as db:
            await audit.record(db, "scraping.suspected", actor_id=user.id if user else None,
                               target_type="user" if user else "address",
                               target_id=user.id if user else client_address(request),
                               detail={"views": count, "window_seconds": window.seconds,
                                       "kind": kind})
            if user is not None:
                await runtime.review_sink.open_review(
                    db,
                    HeldContent(target_type="user", target_id=user.id, author_id=user.id,
                                verdict=Verdict(action=ScreenAction.HOLD),
                                excerpt=_("Viewed %(n)d %(kind)s pages in %(minutes)d minutes")
                                % {"n": count, "kind": kind, "minutes": window.seconds // 60}),
                )
            if writes(request.scope):
                await db.commit()
    raise TooManyRequestsException(
        detail=_("You are viewing pages faster than people read. Please slow down."),
        headers={"Retry-After": str(window.seconds)},
    )
