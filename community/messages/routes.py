"""Private message pages: the inbox, a conversation, blocking and reporting."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.accounts.services import FormErrors
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.messages import access, services
from community.messages.models import MessageStatus
from community.profiles.services import find_person
from community.screening import ScreenAction, ScreenLabel
from community.web import (
    current_user,
    form_data,
    is_htmx,
    render,
    require_user,
    runtime_of,
    side_write,
)

AnyRequest = Request[Any, Any, Any]


def _viewer(request: AnyRequest) -> User:
    user = current_user(request)
    assert user is not None  # the require_user guard ran
    return user


async def _partner(db: AsyncSession, username: str) -> User:
    partner = await find_person(db, username)
    if partner is None:
        raise NotFoundException(detail=_("There is no member with that name."))
    return partner


@get("/messages", guards=[require_user])
async def inbox(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    summaries = await services.conversations(db_session, _viewer(request))
    return render(request, "messages/inbox.html", {"conversations": summaries})


async def _conversation_context(
    db: AsyncSession, viewer: User, partner: User, **extra: Any
) -> dict[str, Any]:
    return {
        "partner": partner,
        "messages": await services.conversation(db, viewer, partner),
        "refusal": await access.refusal(db, viewer, partner),
        "blocked": await access.has_blocked(db, viewer.id, partner.id),
        "form": {}, "errors": {}, "notice": "", "crisis": False, "crisis_check": False,
        "confirmation": "",
        "MessageStatus": MessageStatus,
        **extra,
    }


@get("/messages/{username:str}", guards=[require_user])
async def conversation_page(request: AnyRequest, db_session: AsyncSession,
                            username: str) -> Response[str]:
    viewer = _viewer(request)
    partner = await _partner(db_session, username)
    context = await _conversation_context(db_session, viewer, partner)
    if services.has_unread(context["messages"], viewer):
        # Never on this GET's reading transaction (SQLite would refuse it under load).
        async with side_write(request) as db:
            await services.mark_read(db, viewer, partner)
    return render(request, "messages/conversation.html", context, block="thread")


@post("/messages/{username:str}", guards=[require_user])
async def send(request: AnyRequest, db_session: AsyncSession, username: str) -> Any:
    viewer = _viewer(request)
    partner = await _partner(db_session, username)
    form = await form_data(request)
    try:
        sent = await services.send_message(db_session, runtime_of(request), viewer, partner,
                                           form.get("body", ""))
    except services.MessageRefused as exc:
        raise PermissionDeniedException(detail=str(exc)) from exc
    except FormErrors as exc:
        context = await _conversation_context(db_session, viewer, partner, form=form,
                                              errors=exc.errors)
        return render(request, "messages/conversation.html", context, status_code=400,
                      block="thread")
    crisis = (sent.verdict.action is ScreenAction.CRISIS_SUPPORT
              or ScreenLabel.URGENT in sent.verdict.labels)
    check = sent.verdict.needs_crisis_check
    if sent.delivered and not crisis and not check:
        if is_htmx(request):
            # The conversation swaps in place: the confirmation comes with it (a flash would
            # wait for the next whole page).
            context = await _conversation_context(db_session, viewer, partner,
                                                  confirmation=_("Your message is sent."))
            return render(request, "messages/conversation.html", context, block="thread")
        return redirect_with_message(request, f"/messages/{partner.username}",
                                     _("Your message is sent."))
    # Held, moved off-platform, in crisis or possibly so: the sender must see why (or the
    # gentle help), on this very answer.
    context = await _conversation_context(
        db_session, viewer, partner, crisis=crisis, crisis_check=check,
        notice=sent.message.status,
        confirmation=_("Your message is sent.") if sent.delivered else "")
    return render(request, "messages/conversation.html", context, block="thread")


@post("/people/{username:str}/block", guards=[require_user])
async def block(request: AnyRequest, db_session: AsyncSession, username: str) -> Any:
    viewer = _viewer(request)
    partner = await _partner(db_session, username)
    form = await form_data(request)
    blocking = form.get("action", "block") != "unblock"
    try:
        await services.set_block(db_session, viewer, partner, blocking=blocking)
    except services.MessageRefused as exc:
        raise PermissionDeniedException(detail=str(exc)) from exc
    return redirect_with_message(
        request, f"/messages/{partner.username}",
        _("You blocked this member. Neither of you can write to the other now.") if blocking
        else _("You unblocked this member."))


@post("/messages/{message_id:int}/report", guards=[require_user])
async def report(request: AnyRequest, db_session: AsyncSession, message_id: int) -> Any:
    viewer = _viewer(request)
    message = await access.reportable_message(db_session, viewer, message_id)
    if message is None:
        raise NotFoundException(detail=_("There is no such message among yours."))
    form = await form_data(request)
    await services.report_message(db_session, runtime_of(request), viewer, message,
                                  form.get("reason", ""))
    sender = await db_session.get_one(User, message.sender_id)
    return redirect_with_message(request, f"/messages/{sender.username}",
                                 _("Thank you. A moderator will review this message."))


route_handlers = [inbox, conversation_page, send, block, report]
