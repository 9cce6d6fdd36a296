"""The notifications page and marking them read."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from community.notifications import services
from community.web import current_user, form_data, is_htmx, render, require_user, see_other

AnyRequest = Request[Any, Any, Any]


@get("/notifications", guards=[require_user], name="notifications")
async def notifications_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    user = current_user(request)
    assert user is not None
    raw = request.query_params.get("before", "")
    before = int(raw) if raw.isdigit() and len(raw) < 19 else None
    notifications, next_cursor = await services.list_notifications(db_session, user.id,
                                                                    before=before)
    unread = await services.unread_count(db_session, user.id)
    return render(request, "notifications/list.html", {
        "notifications": notifications, "next_cursor": next_cursor, "unread": unread,
    }, block="items")


@post("/notifications/read", guards=[require_user])
async def mark_read(request: AnyRequest, db_session: AsyncSession) -> Any:
    user = current_user(request)
    assert user is not None
    form = await form_data(request)
    raw = form.get("id", "")
    # The update is scoped to the signed-in person: someone else's id changes nothing.
    await services.mark_read(db_session, user.id,
                             int(raw) if raw.isdigit() and len(raw) < 19 else None)
    if is_htmx(request):
        notifications, next_cursor = await services.list_notifications(db_session, user.id)
        return render(request, "notifications/list.html", {
            "notifications": notifications, "next_cursor": next_cursor, "unread": 0,
        }, block="items")
    return see_other("/notifications")


route_handlers: list[Any] = [notifications_page, mark_read]
