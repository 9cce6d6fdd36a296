"""Community pages: list, community, threads, posts, reactions, search. Thin: parse,
authorise through `access`, call a service, render (the htmx fragment when asked)."""

from __future__ import annotations

from collections.abc import Hashable
from functools import partial
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import (
    ClientException,
    NotFoundException,
    PermissionDeniedException,
)
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User
from community.accounts.receipts import begin_writing
from community.accounts.viewer import Reader
from community.communities import access, services
from community.communities.cards import post_cards, search_hits, thread_rows
from community.communities.mentions import (
    Mentions,
    mention_notice,
    mentions_by,
    resolve_mentions,
)
from community.communities.models import Audience, Community, Post, PostStatus, ThreadKind
from community.communities.outbox import deliver_after
from community.communities.search import search_posts
from community.flash import redirect_with_message
from community.i18n import gettext as _
from community.notifications.models import FollowTarget
from community.notifications.services import follow, unfollow
from community.scraping import record_view
from community.web import (
    PLAIN_VIEWER,
    SHORT_READS,
    WRITE_PHASE,
    account_columns,
    account_values,
    current_reader,
    current_user,
    form_data,
    is_htmx,
    render,
    require_role,
    require_user,
    runtime_of,
)

AnyRequest = Request[Any, Any, Any]


def _int_param(request: AnyRequest, name: str) -> int | None:
    raw = request.query_params.get(name)
    return int(raw) if raw and raw.isdigit() and len(raw) < 19 else None


async def _community_or_404(db: AsyncSession, slug: str, viewer: User | None) -> Community:
    community = await services.get_community(db, slug)
    # Archived communities stay readable (nothing is lost); they only stop taking posts.
    if community is None:
        raise NotFoundException(detail=_("No such community."))
    return community


# ---- communities --------------------------------------------------------------------------


@get("/communities", name="communities")
async def communities_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    viewer = current_user(request)
    communities = await services.list_communities(
        db_session, include_archived=viewer is not None and viewer.has_role(Role.ADMIN))
    mine = await services.member_community_ids(db_session, viewer)
    return render(request, "communities/list.html",
                  {"communities": communities, "mine": mine, "noindex": False})


@get("/communities/new", guards=[require_role(Role.ADMIN)])
async def new_community_page(request: AnyRequest) -> Response[str]:
    return render(request, "communities/edit.html", {"community": None, "form": {}, "errors": {}})


@post("/communities", guards=[require_role(Role.ADMIN)])
async def create_community(request: AnyRequest, db_session: AsyncSession) -> Any:
    form = await form_data(request)
    try:
        community = await services.create_community(db_session, current_user(request), form)  # type: ignore[arg-type]
    except services.FormErrors as exc:
        return render(request, "communities/edit.html",
                      {"community": None, "form": form, "errors": exc.errors}, status_code=400)
    return redirect_with_message(request, f"/communities/{community.slug}",
                                 _("The community %(name)s is open.") % {"name": community.name})


@get("/communities/{slug:str}", name="community", opt=SHORT_READS)
async def community_page(request: AnyRequest, db_session: AsyncSession, slug: str) -> Response[str]:
    """A community's thread list. Its reads are short (the community by its slug, a page of
    threads by the community's activity index, the viewer's membership and follow, the top
    treatments), so on SQLite they run on the event loop (SHORT_READS)."""
    viewer = current_user(request)
    community, membership, following = await services.get_community_as_read(
        db_session, viewer, slug)
    if community is None:
        raise NotFoundException(detail=_("No such community."))
    threads, next_cursor = await services.thread_page(
        db_session, viewer, community, after=request.query_params.get("after"))
    readable = {t.id for t in threads if access.can_read_thread(viewer, t, membership)}
    # The outcomes domain, when plugged in, says which treatments members report most.
    top_treatments = runtime_of(request).extensions.most_reported_treatments
    treatments = (
        await top_treatments(db_session, community.condition_slug)
        if not request.query_params.get("after") else []
    )
    can_post = access.can_post_in(viewer, membership, archived=community.archived_at is not None)
    return render(request, "communities/community.html", {
        "community": community, "threads": threads, "next_cursor": next_cursor,
        "treatments": treatments,
        "membership": membership, "readable": readable, "noindex": False,
        "thread_rows": thread_rows(runtime_of(request).fragments, readable),
        # The page of rows is kept whole by what its rows show (each also kept on its own).
        "rows_shown": (tuple(threads), frozenset(readable)),
        "can_post": can_post, "following": following,
    }, block="threads", holes=COMMUNITY_HOLES, frame=community_frame(
        viewer, community, membership is not None, following, can_post, tuple(treatments)))


COMMUNITY_HOLES = ("site_header", "threads")
"""The thread list's parts rendered for each view: the layout's header (kept per viewer) and
the page of threads (each row kept by what it shows)."""


def community_frame(viewer: User | None, community: services.ListedCommunity, member: bool,
                    following: bool, can_post: bool, treatments: tuple[Any, ...]) -> Hashable:
    """The key the thread list is kept under around its `COMMUNITY_HOLES`: everything it
    shows outside them (the community as read, its top treatments, the buttons this viewer
    is offered: signed in or not, member, following, may post, admin), the same for every
    reader who stands alike to the community."""
    return ("community", community, viewer is not None, member, following, can_post,
            viewer is not None and viewer.has_role(Role.ADMIN), treatments)


@get("/communities/{slug:str}/edit", guards=[require_role(Role.ADMIN)])
async def edit_community_page(
    request: AnyRequest, db_session: AsyncSession, slug: str
) -> Response[str]:
    community = await _community_or_404(db_session, slug, current_user(request))
    form = {"name": community.name, "icd10": community.icd10,
            "condition_slug": community.condition_slug, "description": community.description,
            "crisis_posts": community.crisis_posts}
    return render(request, "communities/edit.html",
                  {"community": community, "form": form, "errors": {}})


@post("/communities/{slug:str}/edit", guards=[require_role(Role.ADMIN)])
async def edit_community(request: AnyRequest, db_session: AsyncSession, slug: str) -> Any:
    community = await _community_or_404(db_session, slug, current_user(request))
    form = await form_data(request)
    try:
        await services.update_community(db_session, current_user(request), community, form)  # type: ignore[arg-type]
    except services.FormErrors as exc:
        return render(request, "communities/edit.html",
                      {"community": community, "form": form, "errors": exc.errors},
                      status_code=400)
    return redirect_with_message(request, f"/communities/{community.slug}",
                                 _("Your changes to %(name)s are saved.") % {"name": community.name})


@post("/communities/{slug:str}/archive", guards=[require_role(Role.ADMIN)])
async def archive_community(request: AnyRequest, db_session: AsyncSession, slug: str) -> Any:
    community = await _community_or_404(db_session, slug, current_user(request))
    form = await form_data(request)
    archived = form.get("archived", "1") == "1"
    await services.set_archived(db_session, current_user(request), community,  # type: ignore[arg-type]
                                archived=archived)
    message = (_("%(name)s is archived: it stays readable and takes no new posts.")
               if archived else _("%(name)s is open again.")) % {"name": community.name}
    return redirect_with_message(request, f"/communities/{community.slug}", message)


@post("/communities/{slug:str}/join", guards=[require_user])
async def join(request: AnyRequest, db_session: AsyncSession, slug: str) -> Any:
    community = await _community_or_404(db_session, slug, current_user(request))
    await services.join_community(db_session, current_user(request), community)  # type: ignore[arg-type]
    return redirect_with_message(request, f"/communities/{community.slug}",
                                 _("You joined %(name)s.") % {"name": community.name})


@post("/communities/{slug:str}/leave", guards=[require_user])
async def leave(request: AnyRequest, db_session: AsyncSession, slug: str) -> Any:
    community = await _community_or_404(db_session, slug, current_user(request))
    await services.leave_community(db_session, current_user(request), community)  # type: ignore[arg-type]
    return redirect_with_message(request, f"/communities/{community.slug}",
                                 _("You left %(name)s.") % {"name": community.name})


# ---- threads ------------------------------------------------------------------------------


def thread_form_context(community: Community, form: dict[str, str],
                        errors: dict[str, list[str]], preview: Any = None) -> dict[str, Any]:
    return {"community": community, "form": form, "errors": errors, "preview": preview,
            "kinds": list(ThreadKind), "audiences": list(Audience)}


@get("/communities/{slug:str}/threads/new", guards=[require_user])
async def new_thread_page(
    request: AnyRequest, db_session: AsyncSession, slug: str
) -> Response[str]:
    viewer = current_user(request)
    community = await _community_or_404(db_session, slug, viewer)
    membership = await services.membership_of(db_session, viewer, community.id)
    if not access.can_post_in(viewer, membership, archived=community.archived_at is not None):
        raise PermissionDeniedException(detail=_("Join this community to start a thread."))
    return render(request, "communities/new_thread.html", thread_form_context(community, {}, {}))


@post("/communities/{slug:str}/threads", guards=[require_user])
async def create_thread(request: AnyRequest, db_session: AsyncSession, slug: str) -> Any:
    viewer = current_user(request)
    assert viewer is not None
    community = await _community_or_404(db_session, slug, viewer)
    form = await form_data(request)
    try:
        thread, opening = await services.start_thread(
            db_session, runtime_of(request), viewer, community, form)
    except services.FormErrors as exc:
        return render(request, "communities/new_thread.html",
                      thread_form_context(community, form, exc.errors), status_code=400)
    mentions = (await resolve_mentions(db_session, viewer, thread, opening.body)
                if opening.is_published else Mentions())
    response = redirect_with_message(request, f"/threads/{thread.id}", _posted_message(
        opening, mentions, _("Your thread is started.")))
    if opening.is_published:
        # Its notifications, owed in its transaction, are delivered once that has committed.
        deliver_after(response, runtime_of(request), opening.id)
    return response


async def thread_context(
    request: AnyRequest, db: AsyncSession, thread_id: int, *, after: int | None
) -> dict[str, Any]:
    """Everything the thread page shows this viewer; the reply box holds their draft."""
    viewer = current_reader(request)
    as_read, page = await services.read_thread_page(db, viewer, thread_id, after=after)
    thread, membership, draft, following = as_read
    if thread is None or not access.can_see_thread_exists(viewer, thread):
        raise NotFoundException(detail=_("No such thread."))
    readable = access.can_read_thread(viewer, thread, membership)
    can_reply = access.can_reply(viewer, thread, membership)
    context: dict[str, Any] = {
        "thread": thread, "community": thread.community, "membership": membership,
        # What the page shows of this thread and its community, each put in for each page
        # (`THREAD_MARKED`): the kept page is the same for every thread of its kind.
        "thread_id": thread.id, "thread_title": thread.title,
        "community_slug": thread.community.slug, "community_name": thread.community.name,
        "posts": [], "next_cursor": None, "reacted": set(), "created": None,
        "form": {"body": draft.body} if can_reply and draft else {}, "errors": {},
        "draft_saved_at": draft.updated_at if can_reply and draft else None,
        "preview": None, "readable": readable, "can_reply": can_reply,
        "noindex": thread.audience != Audience.PUBLIC or thread.status != PostStatus.PUBLISHED,
    }
    if readable:
        context["following"] = following
        assert page is not None  # read with the thread
        cards = post_cards(runtime_of(request).fragments, viewer, page, quotable=can_reply)
        posts: list[services.PostFacts] = []
        if not cards.run_kept():
            # Only the posts whose cards are not kept are loaded whole (text, author, roles).
            posts = await services.with_texts(db, page.facts(), kept=cards.kept)
        context.update(posts=posts, next_cursor=page.next_cursor,
                       reacted=page.reacted() if posts else set(), post_cards=cards,
                       help_country=await services.crisis_help_country(db, viewer, posts))
    return context


@get("/threads/{thread_id:int}", name="thread", opt={**SHORT_READS, **PLAIN_VIEWER})
async def thread_page(
    request: AnyRequest, db_session: AsyncSession, thread_id: int
) -> Response[str]:
    await record_view(request, db_session, "thread")
    after = _int_param(request, "after")
    context = await thread_context(request, db_session, thread_id, after=after)
    context["after"] = after
    return render(request, "communities/thread.html", context, block="posts",
                  frame=thread_frame(current_reader(request), context), holes=THREAD_HOLES,
                  marked=THREAD_MARKED)


THREAD_HOLES = ("site_header", "posts")
"""The thread page's parts rendered for each reader: the layout's header (kept per viewer)
and the posts (each card kept per viewer's relation to it)."""

THREAD_MARKED = ("thread_id", "thread_title", "community_slug", "community_name")
"""What the thread page shows of its thread and community, put in for each page: one kept
page serves every thread of the same kind, audience and standing of the viewer (a thread
seen for the first time does not render its page around the posts)."""


def thread_frame(viewer: Reader | None, context: dict[str, Any]) -> Hashable | None:
    """The key the thread page is kept under around its `THREAD_HOLES` and `THREAD_MARKED`:
    everything it shows besides (the thread's kind and audience, how the viewer stands to it
    and its community, whether it is a later page); None (render it whole) when the reply
    box holds this reader's draft, an error or a preview."""
    if context["form"] or context["errors"] or context["preview"] or context["draft_saved_at"]:
        return None
    thread = context["thread"]
    return (thread.kind, thread.audience, access.viewer_kind(viewer),
            context["membership"] is not None, context["readable"], context["can_reply"],
            context.get("following", False), bool(context["after"]), context["noindex"])


def _posted_message(post: Post, mentions: Mentions, what: str) -> str:
    """The confirmation of a new post: where it stands, and who named in it is not told."""
    if not post.is_published:
        return _("Your post is saved, but others cannot see it yet: the note on it says why.")
    notice = mention_notice(mentions)
    return f"{what} {notice}" if notice else what


@post("/threads/{thread_id:int}/replies", guards=[require_user],
      opt={**WRITE_PHASE, **SHORT_READS, **PLAIN_VIEWER,
           **account_columns(User.username_key)})
async def reply(request: AnyRequest, db_session: AsyncSession, thread_id: int) -> Any:
    """Read, check, screen and render first; SQLite's write lock is taken only for the
    writes (`begin_writing`), where what may have changed meanwhile is checked again. The
    author is read as plain values (PLAIN_VIEWER, with their username's key for the
    mentions): every check, the screening and the answer ask only what a `Viewer` holds.
    The reads before the write phase (the session, the thread, the mentions: indexed rows)
    are short: on SQLite they run on the event loop (SHORT_READS), without a trip each."""
    viewer = current_reader(request)
    assert viewer is not None
    form = await form_data(request)
    runtime = runtime_of(request)
    try:
        thread, prepared = await services.prepare_reply(db_session, runtime, viewer, thread_id,
                                                        form)
    except services.FormErrors as exc:
        context = await thread_context(request, db_session, thread_id, after=None)
        context.update(form=form, errors=exc.errors, after=None, draft_saved_at=None)
        if is_htmx(request):
            # htmx does not swap 4xx answers: the form with its messages replaces itself.
            return render(request, "communities/thread.html", context, block="reply_form_oob")
        return render(request, "communities/thread.html", context, status_code=400)
    # Who is mentioned, for the message: read before the write lock is taken.
    (author_key,) = account_values(request)
    mentions = await mentions_by(db_session, author_key, thread, prepared.body)
    recheck = await begin_writing(request, db_session, partial(
        services.recheck_reply, db_session, runtime, viewer, thread.id))
    created = await services.write_reply(db_session, runtime, recheck, prepared)
    message = _posted_message(created, mentions if created.is_published else Mentions(),
                              _("Your reply is posted."))
    response: Response[Any]
    if is_htmx(request):
        response = render(request, "communities/thread.html", {
            "thread": thread, "community": thread.community,
            "created": services.card_of_new_post(created, viewer),
            "reacted": set(), "form": {}, "errors": {}, "can_reply": True,
            "draft_saved_at": None, "preview": None, "reply_status": message,
            "help_country": await services.crisis_help_country(db_session, viewer, [created]),
        }, block="reply_fragment")
    else:
        response = redirect_with_message(
            request, f"/threads/{thread.id}?after={created.id - 1}#post-{created.id}", message)
    if created.is_published:
        # Its notifications, owed in its transaction, are delivered once that has committed.
        deliver_after(response, runtime, created.id)
    return response


@post("/threads/{thread_id:int}/follow", guards=[require_user])
async def follow_thread(request: AnyRequest, db_session: AsyncSession, thread_id: int) -> Any:
    """Follow a thread one may read (replies then reach the follower), or stop."""
    viewer = current_user(request)
    assert viewer is not None
    thread, membership = await services.get_thread_and_membership(db_session, viewer, thread_id)
    if thread is None or not access.can_read_thread(viewer, thread, membership):
        raise NotFoundException(detail=_("No such thread."))
    if (await form_data(request)).get("action") == "unfollow":
        await unfollow(db_session, viewer.id, FollowTarget.THREAD, thread.id)
        message = _("You no longer follow this thread.")
    else:
        await follow(db_session, viewer.id, FollowTarget.THREAD, thread.id)
        message = _("You follow this thread: replies will reach your notifications.")
    return redirect_with_message(request, f"/threads/{thread.id}", message)


@post("/communities/{slug:str}/follow", guards=[require_user])
async def follow_community(request: AnyRequest, db_session: AsyncSession, slug: str) -> Any:
    """Follow a community: each new thread one may read reaches the follower."""
    viewer = current_user(request)
    assert viewer is not None
    community = await _community_or_404(db_session, slug, viewer)
    if (await form_data(request)).get("action") == "unfollow":
        await unfollow(db_session, viewer.id, FollowTarget.COMMUNITY, community.id)
        message = _("You no longer follow %(name)s.") % {"name": community.name}
    else:
        await follow(db_session, viewer.id, FollowTarget.COMMUNITY, community.id)
        message = _("You follow %(name)s: new threads will reach your notifications.") % {
            "name": community.name}
    return redirect_with_message(request, f"/communities/{community.slug}", message)


# ---- posts --------------------------------------------------------------------------------


async def _own_post_or_404(db: AsyncSession, viewer: User, post_id: int) -> Post:
    post = await services.get_post(db, post_id)
    # Someone else's post answers like a missing one: ids reveal nothing.
    if post is None or post.author_id != viewer.id:
        raise NotFoundException(detail=_("No such post."))
    return post


@get("/posts/{post_id:int}/edit", guards=[require_user])
async def edit_post_page(
    request: AnyRequest, db_session: AsyncSession, post_id: int
) -> Response[str]:
    post = await _own_post_or_404(db_session, current_user(request), post_id)  # type: ignore[arg-type]
    if not access.can_edit_post(current_user(request), post):
        raise PermissionDeniedException(detail=_("This post can no longer be edited."))
    return render(request, "communities/edit_post.html",
                  {"post": post, "form": {"body": post.body}, "errors": {}})


@post("/posts/{post_id:int}/edit", guards=[require_user])
async def edit_post(request: AnyRequest, db_session: AsyncSession, post_id: int) -> Any:
    viewer = current_user(request)
    assert viewer is not None
    post = await _own_post_or_404(db_session, viewer, post_id)
    form = await form_data(request)
    try:
        await services.edit_post(db_session, runtime_of(request), viewer, post, form)
    except services.FormErrors as exc:
        return render(request, "communities/edit_post.html",
                      {"post": post, "form": form, "errors": exc.errors}, status_code=400)
    message = (_("Your changes are saved.") if post.is_published else
               _("Your changes are saved, but others cannot see the post now: the note on it "
                 "says why."))
    return redirect_with_message(
        request, f"/threads/{post.thread_id}?after={post.id - 1}#post-{post.id}", message)


@post("/posts/{post_id:int}/delete", guards=[require_user])
async def delete_post(request: AnyRequest, db_session: AsyncSession, post_id: int) -> Any:
    viewer = current_user(request)
    assert viewer is not None
    post = await _own_post_or_404(db_session, viewer, post_id)
    await services.delete_own_post(db_session, viewer, post)
    return redirect_with_message(
        request, f"/threads/{post.thread_id}",
        _("Your post is deleted: only you and the moderators can see it now."))


@get("/posts/{post_id:int}/history", guards=[require_user])
async def post_history(
    request: AnyRequest, db_session: AsyncSession, post_id: int
) -> Response[str]:
    viewer = current_user(request)
    post = await services.get_post(db_session, post_id)
    if post is None or not access.can_view_history(viewer, post):
        raise NotFoundException(detail=_("No such post."))
    versions = await services.post_versions(db_session, post)
    return render(request, "communities/history.html", {"post": post, "versions": versions})


@post("/posts/{post_id:int}/react", guards=[require_user])
async def react(request: AnyRequest, db_session: AsyncSession, post_id: int) -> Any:
    viewer = current_user(request)
    assert viewer is not None
    post = await services.get_post(db_session, post_id)
    membership = (await services.membership_of(db_session, viewer, post.thread.community_id)
                  if post else None)
    if post is None or not access.can_read_thread(viewer, post.thread, membership) \
            or not access.can_see_post(viewer, post):
        raise NotFoundException(detail=_("No such post."))
    form = await form_data(request)
    try:
        added = await services.toggle_reaction(db_session, viewer, post, form.get("kind", ""),
                                                membership)
    except services.FormErrors as exc:
        raise ClientException(detail=exc.errors["kind"][0]) from exc
    if is_htmx(request):
        reacted = await services.my_reactions(db_session, viewer, [post.id])
        return render(request, "communities/thread.html",
                      {"post": post, "reacted": reacted, "thread": post.thread,
                       "community": post.thread.community}, block="reactions_fragment")
    return redirect_with_message(
        request, f"/threads/{post.thread_id}?after={post.id - 1}#post-{post.id}",
        _("Your reaction is added.") if added else _("Your reaction is taken back."))


# ---- search -------------------------------------------------------------------------------


@get("/search", name="search", opt={**SHORT_READS, **PLAIN_VIEWER})
async def search_page(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    """Its reads are short (the session, the community by its slug, the choices of
    community), so on SQLite they run on the event loop (SHORT_READS); the search itself
    there only while it is short (`search.INLINE_STEPS`), else in the connection's thread.
    The searcher is read as plain values (PLAIN_VIEWER): the search asks only their kind
    and id."""
    viewer = current_reader(request)
    query = request.query_params.get("q", "")[:200]
    community_slug = request.query_params.get("community", "")
    community = await services.get_community(db_session, community_slug) if community_slug else None
    kind = request.query_params.get("kind", "")
    kind = kind if kind in {k.value for k in ThreadKind} else ""
    hits, next_cursor = await search_posts(
        db_session, viewer, query, community_id=community.id if community else None,
        after=request.query_params.get("after"), kind=kind or None)
    # htmx asks for more results only: the form with its choice of community is not sent.
    # A tuple: the choices key the kept form (search.html).
    communities = () if is_htmx(request) else tuple(await services.community_choices(db_session))
    return render(request, "communities/search.html", {
        "query": query, "community": community, "hits": hits, "next_cursor": next_cursor,
        "kind": kind, "communities": communities,
        "search_hits": search_hits(runtime_of(request).fragments),
    }, block="results", frame=search_frame(community, kind, communities), holes=SEARCH_HOLES)


SEARCH_HOLES = ("site_header", "search_words", "results")
"""The search page's parts rendered for each search: the layout's header (kept per viewer),
the words searched for (in the form) and the results (each hit kept by what it shows)."""


def search_frame(community: Community | None, kind: str,
                 communities: tuple[services.CommunityChoice, ...]) -> Hashable:
    """The key the search page is kept under around its `SEARCH_HOLES`: everything it shows
    outside them (the community searched in as read, the kind asked for, the communities to
    choose from), the same for every reader and every search with these filters."""
    return ("search", (community.slug, community.name) if community else None, kind,
            communities)


route_handlers: list[Any] = [
    communities_page, new_community_page, create_community, community_page,
    edit_community_page, edit_community, archive_community, join, leave,
    new_thread_page, create_thread, thread_page, reply, follow_thread, follow_community,
    edit_post_page, edit_post, delete_post, post_history, react, search_page,
]
