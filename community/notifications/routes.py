"""The notifications page and marking them read."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.notifications import digest, services
from community.notifications.models import Delivery, NotificationKind
from community.web import (
    WRITES,
    current_user,
    form_data,
    is_htmx,
    render,
    require_user,
    runtime_of,
)

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
    return redirect_with_message(request, "/notifications", _("Marked as read."))


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": {
            NotificationKind.REPLY: _("Replies in threads I follow"),
            NotificationKind.MENTION: _("Someone mentions me"),
            NotificationKind.REACTION: _("Reactions to my posts"),
            NotificationKind.NEW_THREAD: _("New threads in communities I follow"),
            NotificationKind.MESSAGE: _("Private messages"),
            NotificationKind.MODERATION: _("Moderation decisions about my posts"),
        },
        "delivery_labels": {
            Delivery.SITE: _("On the site only"), Delivery.IMMEDIATE: _("E-mail at once"),
            Delivery.DAILY: _("Daily e-mail digest"), Delivery.WEEKLY: _("Weekly e-mail digest"),
            Delivery.OFF: _("Off"),
        },
        "allowed": {kind.value: services.allowed_deliveries(kind)
                    for kind in services.CONFIGURABLE_KINDS},
    }


@get("/notifications/settings", guards=[require_user])
async def settings_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    user = current_user(request)
    assert user is not None
    return render(request, "notifications/settings.html", {
        "preferences": await services.preferences_of(db_session, user.id), **_labels()})


@post("/notifications/settings", guards=[require_user])
async def settings_save(request: AnyRequest, db_session: AsyncSession) -> Any:
    user = current_user(request)
    assert user is not None
    form = await form_data(request)
    chosen = {kind.value: form.get(kind.value, Delivery.SITE)
              for kind in services.CONFIGURABLE_KINDS}
    refused = [kind for kind, delivery in chosen.items()
               if delivery not in {d.value for d in services.allowed_deliveries(kind)}]
    if refused:
        return render(request, "notifications/settings.html", {
            "preferences": chosen, "errors": refused, **_labels()}, status_code=400)
    for kind, delivery in chosen.items():
        await services.set_preference(db_session, user.id, kind, delivery)
    return redirect_with_message(request, "/notifications/settings",
                                 _("Your notification settings were saved."))


async def _unsubscriber(db: AsyncSession, request: AnyRequest, user_id: int,
                        signature: str) -> User:
    settings = runtime_of(request).settings
    user = await db.get(User, user_id)
    if user is None or not digest.valid_unsubscribe(settings, user_id, signature):
        raise NotFoundException(detail=_("This unsubscribe link is not valid."))
    return user


@get("/unsubscribe/{user_id:int}/{signature:str}")
async def unsubscribe_page(request: AnyRequest, db_session: AsyncSession, user_id: int,
                           signature: str) -> Response[str]:
    """Signed out or in: the link from an e-mail, with one button (link scanners that
    fetch it change nothing)."""
    await _unsubscriber(db_session, request, user_id, signature)
    action = f"/unsubscribe/{user_id}/{signature}"
    return render(request, "notifications/unsubscribe.html", {"action": action, "done": False})


@post("/unsubscribe/{user_id:int}/{signature:str}", opt=WRITES)
async def unsubscribe(request: AnyRequest, db_session: AsyncSession, user_id: int,
                      signature: str) -> Response[str]:
    """One click: every e-mail stops; notifications stay on the site."""
    user = await _unsubscriber(db_session, request, user_id, signature)
    await digest.stop_all_email(db_session, user.id)
    return render(request, "notifications/unsubscribe.html", {"action": "", "done": True})


route_handlers: list[Any] = [notifications_page, mark_read, settings_page, settings_save,
                             unsubscribe_page, unsubscribe]
