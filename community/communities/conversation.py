"""The reply box's helpers: @mention suggestions, quoting a post, previewing, and the draft.

Each works without JavaScript (a link or a submit button that renders the page again) and
answers htmx with the fragment that changes. Previews and drafts carry no one-time
submission receipt (`NO_RECEIPT`): they post nothing, and sending one twice is harmless.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.accounts.receipts import NO_RECEIPT
from community.communities import access, drafts, mentions, services
from community.communities.compose import may_quote, preview_of, quote_of
from community.communities.models import Membership, Thread
from community.communities.routes import thread_context, thread_form_context
from community.errors import FormErrors
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.markdown import clean_text
from community.web import current_user, form_data, is_htmx, render, require_user

AnyRequest = Request[Any, Any, Any]
MAX_PASSAGE = 5000


def _viewer(request: AnyRequest) -> User:
    viewer = current_user(request)
    assert viewer is not None  # the require_user guard ran
    return viewer


async def _thread_to_reply_in(
    db: AsyncSession, viewer: User, thread_id: int
) -> tuple[Thread, Membership | None]:
    """The thread, when the viewer may reply in it; otherwise it answers like a missing one."""
    thread, membership = await services.get_thread_and_membership(db, viewer, thread_id)
    if thread is None or not access.can_reply(viewer, thread, membership):
        raise NotFoundException(detail=_("No such thread."))
    return thread, membership


@get("/threads/{thread_id:int}/mentions", guards=[require_user])
async def mention_suggestions(
    request: AnyRequest, db_session: AsyncSession, thread_id: int
) -> Response[str]:
    """People to mention whose name starts with `q` (the reply box's list, or a page)."""
    viewer = _viewer(request)
    thread, _membership = await _thread_to_reply_in(db_session, viewer, thread_id)
    query = request.query_params.get("q", "").strip().lstrip("@")[:32]
    people = await mentions.suggestions(db_session, viewer, thread, query)
    return render(request, "communities/mentions.html",
                  {"thread": thread, "query": query, "people": people}, block="options")


@get("/threads/{thread_id:int}/quote/{post_id:int}", guards=[require_user])
async def quote(
    request: AnyRequest, db_session: AsyncSession, thread_id: int, post_id: int
) -> Response[str]:
    """A post quoted (or the passage `text` of it someone selected): as Markdown for the
    reply box (htmx), or the thread page with the reply box holding the viewer's draft and
    the quote under it."""
    viewer = _viewer(request)
    thread, membership = await _thread_to_reply_in(db_session, viewer, thread_id)
    quoted = await services.get_post(db_session, post_id)
    if quoted is None or not may_quote(viewer, thread, membership, quoted):
        raise NotFoundException(detail=_("There is no post to quote here."))
    passage = clean_text(request.query_params.get("text", ""))[:MAX_PASSAGE].strip()
    text = quote_of(quoted, passage or None)
    if is_htmx(request):
        return Response(text, media_type="text/plain")
    context = await thread_context(request, db_session, thread_id, after=None)
    draft = context["form"].get("body", "").rstrip()
    context.update(after=None, form={"body": f"{draft}\n\n{text}" if draft else text})
    return render(request, "communities/thread.html", context)


@post("/threads/{thread_id:int}/preview", guards=[require_user], opt=NO_RECEIPT)
async def preview_reply(
    request: AnyRequest, db_session: AsyncSession, thread_id: int
) -> Response[str]:
    """The reply as it would be posted (nothing is saved), with who it mentions in vain."""
    viewer = _viewer(request)
    thread, _membership = await _thread_to_reply_in(db_session, viewer, thread_id)
    form = await form_data(request)
    body = form.get("body", "")
    named = await mentions.resolve_mentions(db_session, viewer, thread, body)
    shown = preview_of(body, mentions.mention_notice(named))
    if is_htmx(request):
        return render(request, "communities/compose_fragments.html", {"preview": shown},
                      block="preview_fragment")
    context = await thread_context(request, db_session, thread_id, after=None)
    context.update(after=None, form=form, preview=shown, draft_saved_at=None)
    return render(request, "communities/thread.html", context)


@post("/communities/{slug:str}/threads/preview", guards=[require_user], opt=NO_RECEIPT)
async def preview_thread(request: AnyRequest, db_session: AsyncSession, slug: str) -> Any:
    """A new thread's opening post as it would be posted; nothing is saved."""
    viewer = _viewer(request)
    community = await services.get_community(db_session, slug)
    if community is None:
        raise NotFoundException(detail=_("No such community."))
    membership = await services.membership_of(db_session, viewer, community.id)
    if not access.can_post_in(viewer, membership, archived=community.archived_at is not None):
        raise PermissionDeniedException(detail=_("Join this community to start a thread."))
    form = await form_data(request)
    shown = preview_of(form.get("body", ""))
    if is_htmx(request):
        return render(request, "communities/compose_fragments.html", {"preview": shown},
                      block="preview_fragment")
    return render(request, "communities/new_thread.html",
                  thread_form_context(community, form, {}, preview=shown))


@post("/threads/{thread_id:int}/draft", guards=[require_user], opt=NO_RECEIPT)
async def save_draft(request: AnyRequest, db_session: AsyncSession, thread_id: int) -> Any:
    """Keep the reply box's text as the viewer's draft, or discard it ("discard")."""
    viewer = _viewer(request)
    thread, membership = await _thread_to_reply_in(db_session, viewer, thread_id)
    form = await form_data(request)
    error = ""
    if "discard" in form:
        await drafts.discard_draft(db_session, viewer.id, thread.id)
        message = _("Your draft is discarded.")
    else:
        try:
            kept = await drafts.save_draft(db_session, viewer, thread, membership,
                                           form.get("body", ""))
        except FormErrors as exc:
            kept, error = None, exc.errors["body"][0]
        if error:
            message = error
        elif kept is None:
            message = _("Nothing to keep: the reply box is empty.")
        elif is_htmx(request):
            message = _("Draft saved.")
        else:
            message = _("Your draft is saved: it will be in the reply box when you come back.")
    if is_htmx(request):
        return render(request, "communities/compose_fragments.html",
                      {"draft_message": message, "draft_error": bool(error)},
                      block="draft_fragment")
    if error:
        context = await thread_context(request, db_session, thread_id, after=None)
        context.update(after=None, form=form, errors={"body": [error]}, draft_saved_at=None)
        return render(request, "communities/thread.html", context, status_code=400)
    return redirect_with_message(request, f"/threads/{thread.id}#reply-form", message)


route_handlers: list[Any] = [mention_suggestions, quote, preview_reply, preview_thread,
                             save_draft]
