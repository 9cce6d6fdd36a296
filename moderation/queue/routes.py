"""The review queue, flags, appeals and moderators' pages about people."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.accounts.routes import safe_next
from community.db import utcnow
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.i18n import ngettext
from community.web import (
    current_user,
    form_data,
    render,
    require_role,
    require_user,
    runtime_of,
)
from moderation.queue import crisis, offplatform, services, targets
from moderation.queue.models import Penalty, ReviewStatus

AnyRequest = Request[Any, Any, Any]
staff_only = require_role(Role.MODERATOR, Role.ADMIN)


def age_text(since: datetime, now: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    if minutes < 60 * 48:
        return _("%(h)d h %(m)d min") % {"h": minutes // 60, "m": minutes % 60}
    days = minutes // (60 * 24)
    return ngettext("%(d)d day", "%(d)d days", days) % {"d": days}


def duration_text(minutes: int) -> str:
    """A response target as people say it: "15 minutes", "24 hours", "90 minutes"."""
    if minutes >= 120 and minutes % 60 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60) % {"num": minutes // 60}
    return ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}


def _int(value: str, message: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationException(detail=message) from exc


async def _actor(request: AnyRequest, db: AsyncSession) -> User:
    return await db.get_one(User, current_user(request).id)  # type: ignore[union-attr]


def _timing(request: AnyRequest) -> dict[str, Any]:
    settings = runtime_of(request).settings
    now = utcnow()

    def target_minutes_of(reason: str) -> int:
        return int(crisis.response_target(settings, reason) / timedelta(minutes=1))

    return {
        "age_text": age_text,
        "target_minutes": settings.moderation_response_minutes,
        "crisis_minutes": target_minutes_of("urgent"),
        "target_minutes_of": target_minutes_of,
        "duration_text": duration_text,
        "is_overdue": lambda item: crisis.is_overdue(settings, item, now),
        "link_for": targets.link,
    }


@get("/moderation", guards=[staff_only])
async def queue_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    status = request.query_params.get("status", ReviewStatus.PENDING)
    if status not in {s.value for s in ReviewStatus}:
        status = ReviewStatus.PENDING
    items = await services.queue_page(db_session, status)
    authors = await services.people_by_id(db_session, {i.author_id for i in items})
    return render(
        request,
        "moderation/queue.html",
        {
            "items": items,
            "status": status,
            "statuses": list(ReviewStatus),
            "authors": authors,
            **_timing(request),
        },
        block="items",
    )


def _decision_text(action: str) -> str:
    return {
        "approve": _("Approved."), "reject": _("Rejected: it stays hidden."),
        "ignore": _("Ignored."), "reopen": _("Reopened."),
    }.get(action, "")


@get("/moderation/items/{item_id:int}", guards=[staff_only])
async def item_page(request: AnyRequest, db_session: AsyncSession, item_id: int) -> Response[str]:
    item = await services.item_with_history(db_session, item_id)
    if item is None:
        raise NotFoundException(detail=_("No such review item."))
    actor = current_user(request)
    people = await services.people_by_id(
        db_session,
        {item.author_id, *(f.flagger_id for f in item.flags), *(h.actor_id for h in item.history)},
    )
    return render(
        request,
        "moderation/item.html",
        {
            "item": item,
            "target": await targets.load(db_session, item.target_type, item.target_id),
            "people": people,
            "actions": services.allowed_actions(actor, item),
            "flag_labels": services.flag_reason_labels(),
            "check_in": await _check_in_text(db_session, item.author_id),
            **_timing(request),
        },
    )


async def _check_in_text(db: AsyncSession, author_id: int | None) -> str:
    author = await db.get(User, author_id) if author_id else None
    return crisis.check_in_text(author.locale if author else "en")


def _crisis_action_messages() -> dict[str, str]:
    return {
        "check_in": _("Your message was sent to the person."),
        "reached_out": _("Recorded: someone reached out."),
        "escalated": _("The administrators were told."),
    }


@post("/moderation/items/{item_id:int}/decide", guards=[staff_only])
async def decide(request: AnyRequest, db_session: AsyncSession, item_id: int) -> Any:
    form = await form_data(request)
    version = _int(form.get("version", ""), _("The form is missing the item's version."))
    action = form.get("action", "")
    item = await services.perform(
        db_session,
        await _actor(request, db_session),
        item_id,
        action,
        version,
        form.get("note", "").strip(),
    )
    following = await services.next_in_queue(db_session, exclude=item.id)
    return redirect_with_message(
        request,
        "/moderation" if following is None else f"/moderation/items/{following}",
        _("Item #%(id)s: %(text)s") % {"id": item.id, "text": _decision_text(action)},
        link=f"/moderation/items/{item.id}",
        link_text=_("See it again"),
    )


@post("/moderation/items/{item_id:int}/crisis", guards=[staff_only])
async def crisis_action(request: AnyRequest, db_session: AsyncSession, item_id: int) -> Any:
    """Check in with the person, record that someone reached out, or escalate."""
    form = await form_data(request)
    action = form.get("action", "")
    actor = await _actor(request, db_session)
    if action == "check_in":
        await crisis.send_check_in(db_session, actor, item_id, form.get("message", ""))
    elif action == "reached_out":
        await crisis.mark_reached_out(db_session, actor, item_id, form.get("note", ""))
    elif action == "escalated":
        await crisis.escalate(db_session, actor, item_id, form.get("note", ""))
    else:
        raise ValidationException(detail=_("Unknown action."))
    # To the top of the item, not its crisis section: the confirmation is seen where it shows.
    return redirect_with_message(request, f"/moderation/items/{item_id}",
                                 _crisis_action_messages()[action])


@get("/moderation/items/{item_id:int}/appeal", guards=[require_user])
async def appeal_page(request: AnyRequest, db_session: AsyncSession, item_id: int) -> Response[str]:
    item = await services.item_with_history(db_session, item_id)
    if item is None or item.author_id != current_user(request).id:  # type: ignore[union-attr]
        raise NotFoundException(detail=_("No such review item."))
    return render(
        request,
        "moderation/appeal.html",
        {"item": item, "error": ""},
    )


@post("/moderation/items/{item_id:int}/appeal", guards=[require_user])
async def appeal_submit(request: AnyRequest, db_session: AsyncSession, item_id: int) -> Any:
    form = await form_data(request)
    await services.appeal(
        db_session, await _actor(request, db_session), item_id, form.get("text", "")
    )
    return redirect_with_message(request, f"/moderation/items/{item_id}/appeal",
                                 _("Your appeal is with the moderators. We will look at it again."))


@get("/flags/new", guards=[require_user])
async def flag_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    target_type = request.query_params.get("target_type", "")
    target_id = _int(request.query_params.get("target_id", ""), _("Nothing to report."))
    info = await targets.load(db_session, target_type, target_id)
    if info is None:
        raise NotFoundException(detail=_("There is nothing to report here."))
    return render(
        request,
        "moderation/flag.html",
        {
            "target_type": target_type,
            "target_id": target_id,
            "info": info,
            "reasons": services.flag_reason_labels(),
            "next": safe_next(request.query_params.get("next") or info.link),
        },
    )


@post("/flags", guards=[require_user])
async def flag_submit(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    target_id = _int(form.get("target_id", ""), _("Nothing to report."))
    await services.flag(
        db_session,
        await _actor(request, db_session),
        target_type=form.get("target_type", ""),
        target_id=target_id,
        reason=form.get("reason", ""),
        note=form.get("note", ""),
        mailer=runtime_of(request).mailer,
        base_url=runtime_of(request).settings.base_url,
    )
    return redirect_with_message(request, safe_next(form.get("next")),
                                 _("Thank you for telling us. A moderator will look at it."))


@get("/moderation/people/{user_id:int}", guards=[staff_only])
async def person_page(request: AnyRequest, db_session: AsyncSession, user_id: int) -> Response[str]:
    subject = await db_session.get(User, user_id)
    if subject is None:
        raise NotFoundException(detail=_("No such person."))
    notes, penalties = await services.person_record(db_session, user_id)
    items = await services.items_by_author(db_session, user_id)
    people = await services.people_by_id(
        db_session, {*(n.author_id for n in notes), *(p.issued_by_id for p in penalties)}
    )
    actor = current_user(request)
    assert actor is not None
    return render(
        request,
        "moderation/person.html",
        {
            "subject": subject,
            "notes": notes,
            "penalties": penalties,
            "items": items,
            "people": people,
            "may_penalise": services.may_penalise(actor, subject),
            **_timing(request),
        },
    )


async def _subject(db: AsyncSession, user_id: int) -> User:
    subject = await db.get(User, user_id)
    if subject is None:
        raise NotFoundException(detail=_("No such person."))
    return subject


@post("/moderation/people/{user_id:int}/notes", guards=[staff_only])
async def add_note(request: AnyRequest, db_session: AsyncSession, user_id: int) -> Any:
    form = await form_data(request)
    await services.add_note(
        db_session,
        await _actor(request, db_session),
        await _subject(db_session, user_id),
        form.get("text", ""),
    )
    return redirect_with_message(request, f"/moderation/people/{user_id}",
                                 _("Your note is added."))


@post("/moderation/people/{user_id:int}/penalties", guards=[staff_only])
async def add_penalty(request: AnyRequest, db_session: AsyncSession, user_id: int) -> Any:
    form = await form_data(request)
    raw_days = form.get("days", "").strip()
    days = _int(raw_days, _("Enter a number of days.")) if raw_days else None
    await services.issue_penalty(
        db_session,
        runtime_of(request),
        await _actor(request, db_session),
        await _subject(db_session, user_id),
        kind=form.get("kind", ""),
        days=days,
        reason=form.get("reason", ""),
    )
    return redirect_with_message(request, f"/moderation/people/{user_id}",
                                 _("The penalty is applied."))


@post("/moderation/people/{user_id:int}/penalties/{penalty_id:int}/lift", guards=[staff_only])
async def lift_penalty(
    request: AnyRequest, db_session: AsyncSession, user_id: int, penalty_id: int
) -> Any:
    penalty = await db_session.get(Penalty, penalty_id)
    actor = await _actor(request, db_session)
    if penalty is None or penalty.user_id != user_id:
        raise NotFoundException(detail=_("No such penalty."))
    if not services.may_penalise(actor, await _subject(db_session, user_id)):
        raise PermissionDeniedException(detail=_("You cannot change this person's penalties."))
    await services.lift_penalty(db_session, actor, penalty)
    return redirect_with_message(request, f"/moderation/people/{user_id}",
                                 _("The penalty is lifted."))


answerers = require_role(Role.CLINICIAN, Role.MODERATOR, Role.ADMIN)


@get("/moderation/off-platform", guards=[answerers])
async def off_platform_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    if not await offplatform.may_answer(db_session, current_user(request)):
        raise PermissionDeniedException(
            detail=_("Verified clinicians and moderators answer these.")
        )
    items = await offplatform.waiting(db_session)
    locales = await services.locales_of(db_session, {i.author_id for i in items})
    return render(
        request,
        "moderation/off_platform.html",
        {"items": items, "reply_for": lambda item: offplatform.standard_reply(
            locales.get(item.author_id, "en")), **_timing(request)},
    )


@post("/moderation/items/{item_id:int}/answer", guards=[answerers])
async def answer(request: AnyRequest, db_session: AsyncSession, item_id: int) -> Any:
    form = await form_data(request)
    version = _int(form.get("version", ""), _("The form is missing the item's version."))
    await offplatform.answer(db_session, await _actor(request, db_session), item_id, version,
                             form.get("text", ""))
    return redirect_with_message(request, "/moderation/off-platform",
                                 _("Your reply was sent into the thread; its author was told."))


route_handlers = [
    off_platform_page,
    answer,
    queue_page,
    item_page,
    decide,
    crisis_action,
    appeal_page,
    appeal_submit,
    flag_page,
    flag_submit,
    person_page,
    add_note,
    add_penalty,
    lift_penalty,
]
