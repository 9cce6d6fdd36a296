"""Community actions: communities, membership, threads, posts, reactions, moderation hooks.

Every text a person writes goes through `screen_and_store`, the one place where the
`Screener` verdict (and the pre-moderation of new members' first posts) decides a post's
status and a review is opened when a human has to look.
"""

from __future__ import annotations

import functools
import json
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import (
    BindParameter,
    Executable,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from community import audit
from community.accounts.models import Role, User, UserRole
from community.accounts.viewer import Reader, Viewer
from community.communities import access
from community.communities.drafts import discard_draft
from community.communities.mentions import mentioned_names, resolve_mentions
from community.communities.models import (
    Audience,
    Community,
    CrisisPosts,
    Membership,
    Post,
    PostStatus,
    PostVersion,
    Reaction,
    ReactionKind,
    ReplyDraft,
    Thread,
    ThreadKind,
    card_fields,
)
from community.communities.plain import (
    AnyMembership,
    AnyThread,
    CommunityRow,
    MembershipRow,
    ReplyDraftRow,
    ThreadRow,
)
from community.db import (
    RowsAsSent,
    RowsLater,
    read_rows,
    read_rows_as_sent,
    read_rows_later,
    short_read,
    table_of,
    utcnow,
    write_later,
    write_rows,
)
from community.errors import Conflict, FormErrors, NotAllowed, NotFound
from community.extensions import PostingAllowed
from community.i18n import current_locale, locale_of
from community.i18n import gettext as _
from community.markdown import MarkdownRefused, clean_text, render_markdown, validate_markdown
from community.notifications.models import (
    Delivery,
    Follow,
    FollowTarget,
    Notification,
    NotificationKind,
    NotificationOutbox,
    NotificationPreference,
)
from community.notifications.services import (
    follow,
    notification_rows,
    notify,
    rows_in_their_languages,
)
from community.posting import ensure_can_post, posting_refused
from community.runtime import Runtime
from community.screening import (
    URGENT_POSSIBLE,
    AuthorContext,
    HeldContent,
    ScreenAction,
    ScreenLabel,
    Venue,
    Verdict,
)

PAGE_SIZE = 20
MAX_TITLE = 200
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
ICD10_RE = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


# ---- communities --------------------------------------------------------------------------


async def list_communities(db: AsyncSession, *, include_archived: bool = False) -> list[Community]:
    statement = select(Community).order_by(Community.name)
    if not include_archived:
        statement = statement.where(Community.archived_at.is_(None))
    return list(await db.scalars(statement))


class CommunityChoice(NamedTuple):
    slug: str
    name: str


@functools.cache
def _community_choices_statement() -> Select[str, str]:
    return (select(Community.slug, Community.name).where(Community.archived_at.is_(None))
            .order_by(Community.name))


async def community_choices(db: AsyncSession) -> list[CommunityChoice]:
    """The open communities' slugs and names, by name (a page's choice of community): two
    columns, no objects, sent straight to the driver (`read_rows`). A short read (a few
    dozen rows at most): on SQLite on the event loop."""
    with short_read():
        rows = await read_rows(db, _community_choices_statement(), {})
    return [CommunityChoice(slug, name) for slug, name in rows]


@functools.cache
def _community_by_slug() -> Select[Any]:
    return select(Community).where(Community.slug == bindparam("slug"))


async def get_community(db: AsyncSession, slug: str) -> Community | None:
    return await db.scalar(_community_by_slug(), {"slug": slug})


class ListedCommunity(NamedTuple):
    """A community as its thread list shows it: plain columns, no ORM object."""

    id: int
    slug: str
    name: str
    icd10: str
    condition_slug: str
    description: str
    member_count: int
    archived_at: datetime | None


class CommunityAsRead(NamedTuple):
    """A community as one viewer finds it: `community` is None when there is none."""

    community: ListedCommunity | None
    membership: MembershipRow | None = None
    following: bool = False


@functools.cache
def _community_as_read_statement() -> Executable:
    viewer_id: BindParameter[int | None] = bindparam("viewer_id")
    following = exists().where(Follow.user_id == viewer_id,
                               Follow.target_type == FollowTarget.COMMUNITY.value,
                               Follow.target_id == Community.id)
    return (
        select(Community.id, Community.slug, Community.name, Community.icd10,
               Community.condition_slug, Community.description, Community.member_count,
               Community.archived_at, Membership.joined_at, following.label("following"))
        .outerjoin(Membership, and_(Membership.community_id == Community.id,
                                    Membership.user_id == viewer_id))
        .where(Community.slug == bindparam("slug"))
    )


async def get_community_as_read(db: AsyncSession, viewer: Reader | None,
                                slug: str) -> CommunityAsRead:
    """The community with the viewer's membership of it and whether they follow it (its
    new threads): one statement, where its list page read three; plain columns sent straight
    to the driver (`read_rows`: the page only shows them and asks `access` about them)."""
    rows = await read_rows(db, _community_as_read_statement(), {
        "slug": slug, "viewer_id": viewer.id if viewer is not None else None})
    if not rows:
        return CommunityAsRead(None)
    found = rows[0]
    community = ListedCommunity(*found[:8])
    joined_at, following = found[8], found[9]
    membership = None if joined_at is None else MembershipRow(community.id, joined_at)
    return CommunityAsRead(community, membership, viewer is not None and bool(following))


async def membership_of(
    db: AsyncSession, user: User | None, community_id: int
) -> Membership | None:
    if user is None:
        return None
    return await db.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.community_id == community_id))


async def member_community_ids(db: AsyncSession, user: User | None) -> set[int]:
    if user is None:
        return set()
    return set(await db.scalars(select(Membership.community_id).where(
        Membership.user_id == user.id)))


def _community_errors(fields: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not SLUG_RE.match(fields["slug"]):
        errors["slug"] = [_("Use 2 to 63 lower-case letters, digits or dashes.")]
    if not fields["name"] or len(fields["name"]) > 120:
        errors["name"] = [_("Give the community a name (at most 120 characters).")]
    if not ICD10_RE.match(fields["icd10"]):
        errors["icd10"] = [_("Enter an ICD-10 code, like G35 or E11.9.")]
    if len(fields["description"]) > 2000:
        errors["description"] = [_("Keep the description under 2,000 characters.")]
    return errors


def _community_fields(form: dict[str, str]) -> dict[str, str]:
    slug = form.get("slug", "").strip().lower()
    return {
        "slug": slug,
        "name": form.get("name", "").strip(),
        "icd10": form.get("icd10", "").strip().upper(),
        "condition_slug": form.get("condition_slug", "").strip().lower() or slug,
        "description": clean_text(form.get("description", "")).strip(),
        "crisis_posts": form.get("crisis_posts", "") if form.get("crisis_posts", "") in {
            c.value for c in CrisisPosts} else CrisisPosts.HOLD.value,
    }


async def create_community(db: AsyncSession, actor: User, form: dict[str, str]) -> Community:
    fields = _community_fields(form)
    errors = _community_errors(fields)
    if not errors and await get_community(db, fields["slug"]):
        errors["slug"] = [_("This address is taken.")]
    if errors:
        raise FormErrors(errors)
    community = Community(**fields)
    db.add(community)
    await db.flush()
    await audit.record(db, "community.created", actor_id=actor.id, target_type="community",
                       target_id=community.id, detail={"slug": community.slug})
    return community


async def update_community(
    db: AsyncSession, actor: User, community: Community, form: dict[str, str]
) -> Community:
    fields = _community_fields({**form, "slug": community.slug})
    errors = _community_errors(fields)
    if errors:
        raise FormErrors(errors)
    before = {k: getattr(community, k) for k in fields}
    for key, value in fields.items():
        setattr(community, key, value)
    changed = {k: [before[k], v] for k, v in fields.items() if before[k] != v}
    await audit.record(db, "community.updated", actor_id=actor.id, target_type="community",
                       target_id=community.id, detail={"changed": changed})
    return community


async def set_archived(db: AsyncSession, actor: User, community: Community, archived: bool) -> None:
    if (community.archived_at is not None) == archived:
        return
    community.archived_at = utcnow() if archived else None
    await audit.record(db, "community.archived" if archived else "community.restored",
                       actor_id=actor.id, target_type="community", target_id=community.id)


async def join_community(db: AsyncSession, user: User, community: Community) -> bool:
    """Join; False when already a member. Archived communities take no new members."""
    if community.archived_at is not None:
        raise Conflict(_("This community is archived."))
    if await membership_of(db, user, community.id):
        return False
    try:
        async with db.begin_nested():
            db.add(Membership(user_id=user.id, community_id=community.id))
    except IntegrityError:
        return False
    await db.execute(update(Community).where(Community.id == community.id)
                     .values(member_count=Community.member_count + 1))
    await db.refresh(community, ["member_count"])
    return True


async def leave_community(db: AsyncSession, user: User, community: Community) -> bool:
    membership = await membership_of(db, user, community.id)
    if membership is None:
        return False
    await db.delete(membership)
    await db.execute(update(Community).where(Community.id == community.id)
                     .values(member_count=Community.member_count - 1))
    await db.refresh(community, ["member_count"])
    return True


# ---- pages --------------------------------------------------------------------------------


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ListedThread(NamedTuple):
    """A row of a community's thread list read as plain columns, not ORM objects: what the
    row shows (community.communities.cards) and what `access.can_read_thread` asks. A named
    tuple: made from the driver's row in one call, and hashed in C for the key the page of
    rows is kept under (`community.communities.routes.community_page`)."""

    id: int
    title: str
    kind: str
    audience: str
    status: str
    author_id: int
    reply_count: int
    last_activity_at: datetime
    author_username: str
    author_deleted_at: datetime | None


def encode_thread_cursor(thread: Thread | ListedThread) -> str:
    """(last activity in microseconds since the epoch, id): exact and URL-safe."""
    return f"{(thread.last_activity_at - _EPOCH) // timedelta(microseconds=1)}_{thread.id}"


def decode_thread_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    micros, _sep, raw_id = cursor.partition("_")
    if not (micros.isdigit() and raw_id.isdigit() and len(micros) < 19 and len(raw_id) < 19):
        return None
    return _EPOCH + timedelta(microseconds=int(micros)), int(raw_id)


@functools.cache
def _thread_page_statement(kind: str, *, after: bool) -> Executable:
    """Threads of a community listed to a viewer of `kind`, latest activity first, as the
    columns of `ListedThread`; built once per kind (every community page runs it)."""
    statement = (
        select(Thread.id, Thread.title, Thread.kind, Thread.audience, Thread.status,
               Thread.author_id, Thread.reply_count, Thread.last_activity_at, User.username,
               User.deleted_at)
        .join(User, User.id == Thread.author_id)
        .where(Thread.community_id == bindparam("community_id"),
               access.listed_threads_of(kind, bindparam("viewer_id")))
    )
    if after:
        moment = bindparam("moment", type_=Thread.last_activity_at.type)
        statement = statement.where(or_(
            Thread.last_activity_at < moment,
            and_(Thread.last_activity_at == moment, Thread.id < bindparam("thread_id")),
        ))
    return (statement.order_by(Thread.last_activity_at.desc(), Thread.id.desc())
            .limit(bindparam("limit")))


async def thread_page(
    db: AsyncSession, viewer: User | None, community: Community | ListedCommunity, *,
    after: str | None = None, limit: int = PAGE_SIZE,
) -> tuple[list[ListedThread], str | None]:
    """Threads by latest activity, keyset-paged on (last_activity_at, id). Sent straight to
    the driver (`read_rows`): the rows are only displayed, and building a Thread and a User
    for each, or even SQLAlchemy's Core execution, cost more than the statement."""
    cursor = decode_thread_cursor(after)
    parameters: dict[str, Any] = {
        "community_id": community.id, "limit": limit + 1,
        "viewer_id": viewer.id if viewer is not None else None,
    }
    if cursor is not None:
        parameters["moment"], parameters["thread_id"] = cursor
    statement = _thread_page_statement(access.viewer_kind(viewer), after=cursor is not None)
    rows = list(map(ListedThread._make, await read_rows(db, statement, parameters)))
    next_cursor = encode_thread_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


async def get_thread(db: AsyncSession, thread_id: int) -> Thread | None:
    return await db.scalar(select(Thread).options(joinedload(Thread.community))
                           .where(Thread.id == thread_id))


@functools.cache
def _thread_as_read_statement() -> Select[*tuple[Any, ...]]:
    viewer_id: BindParameter[int] = bindparam("viewer_id")
    following = exists().where(Follow.user_id == viewer_id,
                               Follow.target_type == FollowTarget.THREAD.value,
                               Follow.target_id == Thread.id)
    return (
        select(Thread.id, Thread.community_id, Thread.author_id, Thread.title, Thread.kind,
               Thread.audience, Thread.status,
               Community.id, Community.slug, Community.name, Community.icd10,
               Community.archived_at,
               Membership.community_id, Membership.joined_at,
               ReplyDraft.body, ReplyDraft.updated_at, following.label("following"))
        .join(Community, Community.id == Thread.community_id)
        .outerjoin(Membership, and_(Membership.community_id == Thread.community_id,
                                    Membership.user_id == viewer_id))
        .outerjoin(ReplyDraft, and_(ReplyDraft.thread_id == Thread.id,
                                    ReplyDraft.user_id == viewer_id))
        .where(Thread.id == bindparam("thread_id"))
    )


class ThreadAsRead(NamedTuple):
    """A thread as one viewer finds it, as plain rows: `thread` is None when there is none."""

    thread: ThreadRow | None
    membership: MembershipRow | None = None
    draft: ReplyDraftRow | None = None
    following: bool = False


async def get_thread_as_read(
    db: AsyncSession, viewer: Reader | None, thread_id: int
) -> ThreadAsRead:
    """The thread with its community, the viewer's membership of it, their draft of a reply
    in it (only ever their own) and whether they follow it: one statement, read as plain
    rows (Core on the session's connection; the page only shows them)."""
    rows = await read_rows(db, _thread_as_read_statement(), {
        "viewer_id": viewer.id if viewer is not None else None, "thread_id": thread_id,
    })
    return _thread_as_read(rows[0]) if rows else ThreadAsRead(None)


def _thread_as_read(row: Sequence[Any]) -> ThreadAsRead:
    """A row of `_thread_as_read_statement`'s columns (converted) as plain rows."""
    community = CommunityRow(id=row[7], slug=row[8], name=row[9], icd10=row[10],
                             archived_at=row[11])
    thread = ThreadRow(id=row[0], community_id=row[1], author_id=row[2], title=row[3],
                       kind=row[4], audience=row[5], status=row[6], community=community)
    membership = (MembershipRow(community_id=row[12], joined_at=row[13])
                  if row[12] is not None else None)
    draft = ReplyDraftRow(body=row[14], updated_at=row[15]) if row[14] is not None else None
    return ThreadAsRead(thread, membership, draft, bool(row[16]))


@functools.cache
def _thread_and_membership_statement() -> Executable:
    return (
        select(Thread, Membership)
        .options(joinedload(Thread.community))
        .outerjoin(Membership, and_(Membership.community_id == Thread.community_id,
                                    Membership.user_id == bindparam("viewer_id")))
        .where(Thread.id == bindparam("thread_id"))
    )


async def get_thread_and_membership(
    db: AsyncSession, viewer: User | None, thread_id: int
) -> tuple[Thread | None, Membership | None]:
    """The thread with its community, and the viewer's membership of it: one statement."""
    if viewer is None:
        return await get_thread(db, thread_id), None
    row: Any = (await db.execute(_thread_and_membership_statement(),
                            {"viewer_id": viewer.id, "thread_id": thread_id})).first()
    return (row[0], row[1]) if row else (None, None)


# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__,
# which costs more than the page's other work on these rows.
@dataclass(slots=True)
class PostFacts:
    """What a post card shows besides its text, read as plain columns: no text and no ORM
    objects. Its key (community.communities.cards) is made of these alone, so a page
    learns which cards are kept before it reads any text; `with_texts` adds the text of the
    others."""

    id: int
    author_id: int
    version: int
    status: str
    edited_at: datetime | None
    helpful_count: int
    hugs_count: int
    screen_labels: list[str]
    author_username: str
    author_deleted_at: datetime | None
    author_is_clinician: bool
    thread_id: int
    created_at: datetime


@dataclass(slots=True)
class PostCard(PostFacts):
    """A post as its card renders it: the facts and the sanitised HTML stored at write time.
    The text as written and what screening found in it are read only for a post with screen
    labels, whose card may show its author and staff the moderation notice."""

    body_html: str = ""
    body: str = ""
    screen_spans: list[dict[str, Any]] = field(default_factory=list)

    @property
    def body_markup(self) -> Markup:
        """The body as HTML: sanitized by nh3 against the allow-list when it was written."""
        return Markup(self.body_html)  # noqa: S704 - sanitized at write (community.markdown)

    card_fields = property(card_fields)


_NO_LABELS = (None, "", "[]")
"""Screening labels as stored when there are none."""


def card_of_new_post(post: Post, author: Reader) -> PostCard:
    """The card of a post just written by `author` (htmx's answer to a reply shows it), from
    the post and its author as the request holds them: nothing read, no ORM relationship."""
    return PostCard(
        id=post.id, author_id=post.author_id, version=post.version, status=post.status,
        edited_at=post.edited_at, helpful_count=post.helpful_count,
        hugs_count=post.hugs_count, screen_labels=list(post.screen_labels or []),
        author_username=author.username, author_deleted_at=author.deleted_at,
        author_is_clinician=author.has_role(Role.CLINICIAN), thread_id=post.thread_id,
        created_at=post.created_at, body_html=post.body_html, body=post.body,
        screen_spans=list(post.screen_spans or []))


def _labels(stored: str | None) -> list[str]:
    """Screening labels from their stored JSON text; almost every post has none."""
    return [] if stored in _NO_LABELS else list(json.loads(stored))


@functools.cache
def _post_page_statement(kind: str) -> Select[*tuple[Any, ...]]:
    """Facts of the posts of one thread after a cursor, as a viewer of `kind` sees them,
    with the viewer's reactions; built once per kind (the thread page runs it on every
    view)."""
    viewer_id: BindParameter[int] = bindparam("viewer_id")
    reacted_columns = [] if kind == "anonymous" else [
        exists().where(Reaction.post_id == Post.id, Reaction.user_id == viewer_id,
                       Reaction.kind == reaction.value).label(f"reacted_{reaction.value}")
        for reaction in ReactionKind
    ]
    clinician = exists().where(UserRole.user_id == Post.author_id,
                               UserRole.role == Role.CLINICIAN.value)
    return (
        # The labels as their stored text (`_labels`): decoding twenty empty lists as JSON
        # cost more than the rest of the row.
        select(Post.id, Post.author_id, Post.version, Post.status, Post.edited_at,
               Post.helpful_count, Post.hugs_count, cast(Post.screen_labels, Text), User.username,
               User.deleted_at, clinician.label("author_is_clinician"), Post.thread_id,
               Post.created_at, *reacted_columns)
        .join(User, User.id == Post.author_id)
        .where(Post.thread_id == bindparam("thread_id"), Post.id > bindparam("after"),
               access.seen_posts_filter(kind, viewer_id))
        .order_by(Post.id).limit(bindparam("limit"))
    )


@functools.cache
def _post_texts_statement(*, screened: bool, count: int) -> Executable:
    """The stored HTML of `count` posts by id; with `screened`, also their text as written
    and the spans screening found (what the moderation notice shows). One statement per
    count, each id its own bound value (no expanding IN), so `read_rows` runs it."""
    columns = [Post.id, Post.body_html, *([Post.body, Post.screen_spans] if screened else [])]
    return select(*columns).where(Post.id.in_([bindparam(f"id_{n}") for n in range(count)]))


@dataclass(slots=True)
class PostPage:
    """A page of a thread's posts as a viewer may see them, as read: the rows as the driver
    returned them (a page whose cards are all kept is found by them, `cards.post_cards`,
    without converting them), made into facts and the viewer's reactions only when asked."""

    thread_id: int
    as_sent: RowsAsSent
    next_cursor: int | None
    reaction_kinds: list[ReactionKind]
    _facts: list[PostFacts] | None = None
    _reacted: set[tuple[int, str]] | None = None

    def as_read(self) -> tuple[tuple[Any, ...], ...]:
        """Every column of every post as read (the viewer's reactions too), hashable."""
        return tuple(map(tuple, self.as_sent.rows))

    def shown(self) -> list[tuple[int, str, bool]]:
        """Each post's author, status and whether screening labelled it: what decides
        whether its card may be kept (`cards.post_cards`). Labels stored in any other
        spelling than none count as labels (such a card is rendered afresh, never wrongly
        kept)."""
        return [(row[1], row[3], row[7] not in _NO_LABELS) for row in self.as_sent.rows]

    def facts(self) -> list[PostFacts]:
        if self._facts is None:
            rows = self.as_sent.converted()
            self._facts = [PostFacts(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                                     _labels(row[7]), row[8], row[9], bool(row[10]), row[11],
                                     row[12]) for row in rows]
            reactions = slice(13, 13 + len(self.reaction_kinds))
            self._reacted = {(row[0], reaction.value) for row in rows
                             for reaction, flag in zip(self.reaction_kinds, row[reactions],
                                                       strict=True) if flag}
        return self._facts

    def reacted(self) -> set[tuple[int, str]]:
        """The viewer's own reactions to these posts, as (post id, kind)."""
        if self._reacted is None:
            self.facts()
        return self._reacted or set()


async def read_post_page(
    db: AsyncSession, viewer: Reader | None, thread: AnyThread, membership: AnyMembership | None, *,
    after: int | None = None, limit: int = PAGE_SIZE,
) -> PostPage:
    """The posts of a thread the viewer may see, in order, keyset-paged on id, with the
    viewer's own reactions to them, in one statement (`with_texts` adds what renders them).
    No posts when the viewer may not read the thread (`membership` is theirs in its
    community)."""
    kind = access.viewer_kind(viewer)
    kinds = [] if kind == "anonymous" else list(ReactionKind)
    if not access.can_read_thread(viewer, thread, membership):
        return PostPage(thread.id, RowsAsSent([]), None, kinds, [], set())
    # Straight to the driver on the session's connection (`read_rows_as_sent`): the
    # statement selects columns only, and SQLAlchemy's execution path (and before it the
    # ORM's) cost more than SQLite spent answering it.
    as_sent = await read_rows_as_sent(db, _post_page_statement(kind), {
        "thread_id": thread.id, "after": after or 0, "limit": limit + 1,
        "viewer_id": viewer.id if viewer is not None else None,
    })
    return _post_page(thread.id, as_sent, kinds, limit)


def _post_page(thread_id: int, as_sent: RowsAsSent, kinds: list[ReactionKind],
               limit: int) -> PostPage:
    """The page of `as_sent`'s post rows (`limit` and one more, to know there is a next)."""
    rows = as_sent.rows
    next_cursor = rows[limit - 1][0] if len(rows) > limit else None
    return PostPage(thread_id, as_sent._replace(rows=rows[:limit]), next_cursor, kinds)


@functools.cache
def _thread_with_posts_statement(kind: str) -> tuple[Executable, int]:
    """PostgreSQL: the thread as read (`_thread_as_read_statement`) and the page of its posts
    as a viewer of `kind` sees them (`_post_page_statement`) in one statement, each column
    once: a `UNION ALL` of the thread's row (NULL in the posts' columns) and the posts' rows
    (NULL in the thread's), typed so the rows convert as each statement's would; the
    thread's row first (its post id NULL), then the posts by id. With the number of the
    posts' columns: where the thread's begin."""
    posts, thread = _post_page_statement(kind), _thread_as_read_statement()
    post_columns, thread_columns = list(posts.selected_columns), list(thread.selected_columns)

    def nulls(columns: list[Any]) -> list[Any]:
        return [cast(null(), column.type) for column in columns]

    thread_row = thread.with_only_columns(
        nulls(post_columns[:1])[0].label("post_id"), *nulls(post_columns[1:]),
        *thread_columns, maintain_column_froms=True)
    return (union_all(thread_row, posts.add_columns(*nulls(thread_columns)))
            .order_by(literal_column("post_id").asc().nulls_first()), len(post_columns))


async def read_thread_page(
    db: AsyncSession, viewer: Reader | None, thread_id: int, *, after: int | None = None,
) -> tuple[ThreadAsRead, PostPage | None]:
    """The thread as `viewer` finds it (`get_thread_as_read`) and, when there is one, the
    page of its posts after `after` (`read_post_page`: none when they may not read it).
    On PostgreSQL in one statement (one round trip fewer; `_thread_with_posts_statement`):
    the posts are read with the thread and dropped when the thread's row says the viewer
    may not read them (`access.can_read_thread`, as `read_post_page` decides). On SQLite in
    two: there SQLite itself took twice as long over the one statement as over the two."""
    if db.get_bind().dialect.name != "postgresql":
        as_read = await get_thread_as_read(db, viewer, thread_id)
        if as_read.thread is None:
            return as_read, None
        return as_read, await read_post_page(db, viewer, as_read.thread, as_read.membership,
                                             after=after)
    kind = access.viewer_kind(viewer)
    statement, offset = _thread_with_posts_statement(kind)
    as_sent = await read_rows_as_sent(db, statement, {
        "thread_id": thread_id, "after": after or 0, "limit": PAGE_SIZE + 1,
        "viewer_id": viewer.id if viewer is not None else None,
    })
    rows = as_sent.rows
    if not rows or rows[0][0] is not None:
        return ThreadAsRead(None), None
    as_read = _thread_as_read(as_sent._replace(rows=rows[:1]).converted()[0][offset:])
    kinds = [] if kind == "anonymous" else list(ReactionKind)
    assert as_read.thread is not None
    if not access.can_read_thread(viewer, as_read.thread, as_read.membership):
        return as_read, PostPage(thread_id, RowsAsSent([]), None, kinds, [], set())
    return as_read, _post_page(thread_id, as_sent._replace(rows=rows[1:]), kinds, PAGE_SIZE)


async def with_texts(db: AsyncSession, facts: list[PostFacts], *,
                     kept: Callable[[PostFacts], bool] = lambda _facts: False,
                     ) -> list[PostFacts]:
    """The page's posts for its cards: the facts of those whose card is `kept`, a `PostCard`
    (the facts and the stored HTML) for the others, whose texts are read in one statement of
    columns (no ORM objects: the texts are only displayed). A post gone between the two
    statements is left out."""
    wanted = [f for f in facts if not kept(f)]
    if not wanted:
        return list(facts)
    screened = any(f.screen_labels for f in wanted)
    texts: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(wanted), PAGE_SIZE):
        ids = [f.id for f in wanted[start:start + PAGE_SIZE]]
        statement = _post_texts_statement(screened=screened, count=len(ids))
        for row in await read_rows(db, statement, {f"id_{n}": id_ for n, id_ in enumerate(ids)}):
            texts[row[0]] = row[1:]
    wanted_ids = {f.id for f in wanted}
    return [f if f.id not in wanted_ids else PostCard(*_facts_of(f), *texts[f.id])
            for f in facts if f.id not in wanted_ids or f.id in texts]


# Every field of PostFacts, in order, as one tuple.
_facts_of = operator.attrgetter(*(item.name for item in dataclass_fields(PostFacts)))


async def crisis_help_country(
    db: AsyncSession, viewer: Reader | None, posts: Sequence[Post | PostFacts]
) -> str | None:
    """The country in the viewer's profile, read only when the page shows them crisis help
    (one of their own posts was screened as a crisis), so their help is for their place."""
    if viewer is None or not any(
        post.author_id == viewer.id
        and {ScreenLabel.URGENT.value, URGENT_POSSIBLE} & set(post.screen_labels or [])
        for post in posts
    ):
        return None
    from community.profiles.models import Profile

    return await db.scalar(select(Profile.country).where(Profile.user_id == viewer.id))


async def my_reactions(
    db: AsyncSession, viewer: User | None, post_ids: list[int]
) -> set[tuple[int, str]]:
    if viewer is None or not post_ids:
        return set()
    rows = await db.execute(select(Reaction.post_id, Reaction.kind).where(
        Reaction.user_id == viewer.id, Reaction.post_id.in_(post_ids)))
    return {(row.post_id, row.kind) for row in rows}


async def get_post(db: AsyncSession, post_id: int) -> Post | None:
    return await db.scalar(
        select(Post).options(joinedload(Post.author), joinedload(Post.thread)
                             .joinedload(Thread.community))
        .where(Post.id == post_id))


async def post_versions(db: AsyncSession, post: Post) -> list[PostVersion]:
    return list(await db.scalars(select(PostVersion).where(PostVersion.post_id == post.id)
                                 .order_by(PostVersion.version.desc())))


# ---- writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenOutcome:
    status: PostStatus
    verdict: Verdict
    premoderated: bool = False


def _status_for(verdict: Verdict, crisis_posts: str = CrisisPosts.HOLD.value) -> PostStatus:
    """A crisis post waits for a moderator unless its community publishes such posts with a
    notice; other verdicts decide as the core's `Verdict` says."""
    if verdict.is_held:
        return PostStatus.PENDING
    if ScreenLabel.URGENT in verdict.labels and crisis_posts != CrisisPosts.PUBLISH_WITH_NOTICE:
        return PostStatus.PENDING
    if verdict.is_off_platform:
        return PostStatus.OFF_PLATFORM
    return PostStatus.PUBLISHED


def _published_posts_of(author_id: int | BindParameter[int]) -> Select[int]:
    """How many posts of the author are published (the first-posts rule counts them)."""
    return select(func.count()).select_from(Post).where(
        Post.author_id == author_id, Post.status == PostStatus.PUBLISHED.value)


async def _published_count(db: AsyncSession, author: User) -> int:
    return int(await db.scalar(_published_posts_of(author.id)) or 0)


def venue_of(kind: str) -> Venue:
    """Where a thread's text is screened: its kind decides (this rule lives only here)."""
    return Venue.ASK_A_CLINICIAN if kind == ThreadKind.ASK_A_CLINICIAN else Venue.DISCUSSION


def _verdict(runtime: Runtime, author: Reader, text: str, venue: str, published: int) -> Verdict:
    return runtime.screener.screen(
        text, author_role=author.primary_role.value, venue=venue,
        author_context=AuthorContext(published_posts=published, locale=author.locale or current_locale()),
    )


async def _screen(
    db: AsyncSession, runtime: Runtime, author: User, text: str, venue: str,
    community: Community,
) -> ScreenOutcome:
    await ensure_can_post(db, runtime, author)
    published = await _published_count(db, author)
    return _outcome(runtime, author, _verdict(runtime, author, text, venue, published),
                    published, community.crisis_posts)


def _outcome(runtime: Runtime, author: Reader, verdict: Verdict, published: int,
             crisis_posts: str) -> ScreenOutcome:
    """What a verdict makes of a post: its status, and whether the first-posts rule holds
    it for a moderator (`published`: the author's published posts so far; `crisis_posts`:
    the community's rule for crisis posts)."""
    status = _status_for(verdict, crisis_posts)
    premoderate = (
        verdict.action == ScreenAction.PUBLISH
        and not author.has_role(Role.MODERATOR, Role.ADMIN)
        and published < runtime.settings.premoderate_first_posts
    )
    if premoderate:
        return ScreenOutcome(PostStatus.PENDING, verdict, premoderated=True)
    return ScreenOutcome(status, verdict)


async def _open_review_if_needed(
    db: AsyncSession, runtime: Runtime, post: Post, thread: AnyThread, outcome: ScreenOutcome
) -> None:
    verdict = outcome.verdict
    if (verdict.action == ScreenAction.PUBLISH and not outcome.premoderated
            and not verdict.needs_crisis_check):
        return
    if outcome.premoderated:
        verdict = Verdict(labels=(), action=ScreenAction.HOLD,
                          urgent_possible=verdict.needs_crisis_check)
    await runtime.review_sink.open_review(db, HeldContent(
        target_type="post", target_id=post.id, author_id=post.author_id, verdict=verdict,
        excerpt=post.body[:500], community_id=thread.community_id,
    ))


def _apply_verdict(post: Post, outcome: ScreenOutcome, *, offset: int = 0) -> None:
    """Store the verdict; spans are kept relative to the body (`offset` is where the body
    starts in the screened text, after a thread's title)."""
    post.status = outcome.status.value
    post.screen_labels = outcome.verdict.stored_labels()
    spans = []
    for span in outcome.verdict.spans:
        start, end = max(span.start - offset, 0), min(span.end - offset, len(post.body))
        if end > start:
            spans.append({"start": start, "end": end, "kind": span.kind})
    post.screen_spans = spans


def _validated_body(body: str) -> str:
    try:
        return validate_markdown(body)
    except MarkdownRefused as exc:
        raise FormErrors({"body": [str(exc)]}) from exc


async def start_thread(
    db: AsyncSession, runtime: Runtime, author: User, community: Community, form: dict[str, str]
) -> tuple[Thread, Post]:
    """Open a thread with its first post; the opening post's verdict is the thread's status."""
    membership = await membership_of(db, author, community.id)
    if not access.can_post_in(author, membership, archived=community.archived_at is not None):
        raise NotAllowed(_("Join this community to start a thread."))
    title = " ".join(clean_text(form.get("title", "")).split())
    kind, audience = form.get("kind", ThreadKind.DISCUSSION.value), form.get(
        "audience", Audience.MEMBERS.value)
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give your thread a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("Keep the title under %(max)d characters.") % {"max": MAX_TITLE}]
    if kind not in {k.value for k in ThreadKind}:
        errors["kind"] = [_("Choose a kind of thread.")]
    if audience not in {a.value for a in Audience}:
        errors["audience"] = [_("Choose who can read this thread.")]
    try:
        body = validate_markdown(form.get("body", ""))
    except MarkdownRefused as exc:
        errors["body"] = [str(exc)]
    if errors:
        raise FormErrors(errors)
    outcome = await _screen(db, runtime, author, f"{title}\n\n{body}", venue_of(kind).value,
                            community)
    now = utcnow()
    thread = Thread(community_id=community.id, author_id=author.id, title=title, kind=kind,
                    audience=audience, status=outcome.status.value, created_at=now,
                    last_activity_at=now, reply_count=0,
                    moved_off_platform_at=(
                        now if outcome.status == PostStatus.OFF_PLATFORM else None))
    db.add(thread)
    await db.flush()
    post = Post(thread_id=thread.id, author_id=author.id, body=body,
                body_html=render_markdown(body), created_at=now, version=1)
    _apply_verdict(post, outcome, offset=len(title) + 2)
    db.add(post)
    await db.flush()
    db.add(PostVersion(post_id=post.id, version=1, body=body, screen_labels=post.screen_labels))
    await _open_review_if_needed(db, runtime, post, thread, outcome)
    await follow(db, author.id, FollowTarget.THREAD, thread.id)
    if post.is_published:
        # Its notifications (mentions, the community's followers) are owed in this
        # transaction and delivered after its commit, as a reply's are.
        await write_later(db, _ADD_TO_OUTBOX, {
            "post_id": post.id, "locale": current_locale(), "created_at": post.created_at})
    await audit.record(db, "thread.created", actor_id=author.id, target_type="thread",
                       target_id=thread.id, detail={"status": post.status})
    return thread, post


async def reply(
    db: AsyncSession, runtime: Runtime, author: User, thread: Thread, form: dict[str, str]
) -> Post:
    """Add a reply; it inherits the thread's audience. (The route splits the two steps
    around its write phase: `prepare_reply` reads, `write_reply` writes.)"""
    found, prepared = await prepare_reply(db, runtime, author, thread.id, form)
    return await write_reply(db, runtime, await recheck_reply(db, runtime, author, found.id),
                             prepared)


@dataclass(frozen=True, slots=True)
class PreparedReply:
    """A reply checked, screened and rendered, not yet written (`write_reply`)."""

    body: str
    body_html: str
    verdict: Verdict
    published_before: int  # the author's published posts when it was screened


def _ensure_may_reply(author: Reader, thread: ThreadRow, membership: MembershipRow | None) -> None:
    community = thread.community
    if not access.can_read_thread(author, thread, membership) or not access.can_post_in(
        author, membership, archived=community.archived_at is not None
    ):
        raise NotAllowed(_("Join this community to reply."))
    if thread.status != PostStatus.PUBLISHED and not access.is_staff(author):
        raise NotAllowed(_("This thread is not open for replies."))


async def prepare_reply(
    db: AsyncSession, runtime: Runtime, author: Reader, thread_id: int, form: dict[str, str]
) -> tuple[ThreadRow, PreparedReply]:
    """Everything a reply needs that only reads or computes: the thread (with its
    community, as plain rows), may the author reply in it, is the text valid, its verdict
    and its HTML. Writes nothing. The penalty check is left to `write_reply`, which must
    make it with the writes anyway (a penalty may start meanwhile)."""
    found = await _thread_to_reply_in(db, author, thread_id)
    body = _validated_body(form.get("body", ""))
    verdict = _verdict(runtime, author, body, venue_of(found.thread.kind).value, found.published)
    return found.thread, PreparedReply(body, render_markdown(body), verdict, found.published)


class ThreadToReplyIn(NamedTuple):
    """The thread a reply goes to as it is now (`_thread_to_reply_in`)."""

    thread: ThreadRow
    crisis_posts: str  # its community's rule for crisis posts
    published: int  # how many of the author's posts are published
    # On SQLite in the write phase, the id the reply's post will have (see `recheck_reply`).
    next_post_id: int | None = None


_THREAD_TO_REPLY_IN: dict[tuple[PostingAllowed | None, bool], Executable] = {}


def _thread_to_reply_in_statement(posting_allowed: PostingAllowed | None,
                                  next_post_id: bool = False) -> Executable:
    """Built once per penalty rule (none in the read phase, moderation's in the write one)
    and whether it reads the next post's id."""
    key = (posting_allowed, next_post_id)
    found = _THREAD_TO_REPLY_IN.get(key)
    if found is None:
        found = _THREAD_TO_REPLY_IN[key] = _build_thread_to_reply_in(posting_allowed,
                                                                     next_post_id)
    return found


def _build_thread_to_reply_in(posting_allowed: PostingAllowed | None,
                              next_post_id: bool) -> Executable:
    author_id: BindParameter[int] = bindparam("author_id")
    allowed = (true() if posting_allowed is None else posting_allowed(
        author_id, bindparam("now", type_=Thread.created_at.type)))
    columns: list[Any] = [
        Thread.id, Thread.community_id, Thread.author_id, Thread.title, Thread.kind,
        Thread.audience, Thread.status,
        Community.id, Community.slug, Community.name, Community.icd10,
        Community.archived_at, Community.crisis_posts,
        Membership.community_id, Membership.joined_at,
        _published_posts_of(author_id).scalar_subquery(),
        allowed.label("posting_allowed")]
    if next_post_id:
        columns.append(select(func.coalesce(func.max(Post.id), 0) + 1).scalar_subquery())
    return (
        select(*columns)
        .join(Community, Community.id == Thread.community_id)
        .outerjoin(Membership, and_(Membership.community_id == Thread.community_id,
                                    Membership.user_id == author_id))
        .where(Thread.id == bindparam("thread_id"))
    )


async def _thread_to_reply_in(db: AsyncSession, author: Reader, thread_id: int) -> ThreadToReplyIn:
    """The thread as it is now, refused unless the author may reply in it, and how many of
    the author's posts are published: one statement, read as plain rows (`read_rows`). The
    write phase's re-check (`recheck_reply`) adds moderation's penalty rule to it."""
    rows = await read_rows(db, _thread_to_reply_in_statement(None), {
        "author_id": author.id, "thread_id": thread_id})
    return _thread_found(author, rows)


class Recheck(NamedTuple):
    """A write phase's re-check of the thread, sent (`recheck_reply`), its rows to come."""

    author: Reader
    rows: RowsLater


async def recheck_reply(db: AsyncSession, runtime: Runtime, author: Reader,
                        thread_id: int) -> Recheck:
    """Send the write phase's re-check of the thread (`write_reply` reads its answer): on
    SQLite it goes with the transaction's next statement (the form receipt's claim), one trip
    under the write lock instead of two, and, as that lock is held from then to the commit,
    it also reads the id the reply's post will get: one more than the largest, SQLite's own
    choice for a table without AUTOINCREMENT. The post's insert then needs no trip of its
    own either: it goes with the statement or commit after it."""
    sqlite = db.get_bind().dialect.name == "sqlite"
    statement = _thread_to_reply_in_statement(runtime.extensions.posting_allowed, sqlite)
    return Recheck(author, await read_rows_later(db, statement, {
        "author_id": author.id, "thread_id": thread_id, "now": utcnow()}))


def _thread_found(author: Reader, rows: list[tuple[Any, ...]]) -> ThreadToReplyIn:
    """A reply's thread from `_thread_to_reply_in_statement`'s rows, refused unless the
    author may reply in it now."""
    if not rows:
        raise NotFound(_("No such thread."))
    row = rows[0]
    community = CommunityRow(id=row[7], slug=row[8], name=row[9], icd10=row[10],
                             archived_at=row[11])
    thread = ThreadRow(id=row[0], community_id=row[1], author_id=row[2], title=row[3],
                       kind=row[4], audience=row[5], status=row[6], community=community)
    if not access.can_see_thread_exists(author, thread):
        raise NotFound(_("No such thread."))
    membership = (MembershipRow(community_id=row[13], joined_at=row[14])
                  if row[13] is not None else None)
    _ensure_may_reply(author, thread, membership)
    if not row[16]:
        raise posting_refused()
    return ThreadToReplyIn(thread, row[12], int(row[15] or 0),
                           row[17] if len(row) > 17 else None)


async def write_reply(
    db: AsyncSession, runtime: Runtime, recheck: Recheck, prepared: PreparedReply
) -> Post:
    """Write a prepared reply. In the same transaction as its writes, what may have changed
    since it was prepared is checked again (`recheck`, sent by `recheck_reply` once the
    write transaction began): the thread still there and open, the author still a member
    who may read it, no penalty in force, and their published posts (the first-posts rule;
    screened again only if that count moved)."""
    author = recheck.author
    found = _thread_found(author, await recheck.rows())
    thread, published = found.thread, found.published
    verdict = prepared.verdict
    if published != prepared.published_before:
        verdict = _verdict(runtime, author, prepared.body, venue_of(thread.kind).value,
                           published)
    outcome = _outcome(runtime, author, verdict, published, found.crisis_posts)
    post = await _insert_post(db, thread, author, prepared, outcome, found.next_post_id)
    await _open_review_if_needed(db, runtime, post, thread, outcome)
    await follow(db, author.id, FollowTarget.THREAD, thread.id)
    await discard_draft(db, author.id, thread.id)
    if post.is_published:
        await _count_published_reply(db, thread, +1, post.created_at)
        # Its notifications are owed in this transaction and delivered after its commit
        # (`owed_notifications`, through `community.communities.outbox`).
        await write_later(db, _ADD_TO_OUTBOX, {
            "post_id": post.id, "locale": current_locale(), "created_at": post.created_at})
    return post


_ADD_TO_OUTBOX = insert(table_of(NotificationOutbox))


@functools.cache
def _owed_by_post_statement() -> Executable:
    """A reply's outbox row with what its delivery tells: the post's status, author and
    text, the thread with its community (plain columns, one statement)."""
    author = aliased(User)
    earlier = aliased(Post)
    opens_thread = ~exists().where(earlier.thread_id == Post.thread_id, earlier.id < Post.id)
    return (
        select(NotificationOutbox.locale, Post.status, Post.author_id, author.username,
               author.username_key, Post.body, opens_thread.label("opens_thread"),
               Thread.id, Thread.community_id, Thread.author_id, Thread.title, Thread.kind,
               Thread.audience, Thread.status,
               Community.id, Community.slug, Community.name, Community.icd10,
               Community.archived_at)
        .join(Post, Post.id == NotificationOutbox.post_id)
        .join(author, author.id == Post.author_id)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Community, Community.id == Thread.community_id)
        .where(NotificationOutbox.post_id == bindparam("post_id"))
    )


async def owed_notifications(db: AsyncSession, post_id: int) -> list[dict[str, Any]] | None:
    """The notifications a published post owes, as rows to write (reading only), or None
    when its outbox row is gone (delivered already): whoever it mentions hears of that;
    every other follower of the thread who may still read it hears of a reply, every other
    follower of the community who may read it of a new thread (one notification per person
    for one post). Who may read the thread, and who turned a kind off, is decided now; texts
    are written in each person's language, else in the language of the request that wrote
    the post. A post no longer published tells nobody."""
    found = await read_rows(db, _owed_by_post_statement(), {"post_id": post_id})
    if not found:
        return None
    (locale, status, author_id, username, username_key, body, opens_thread,
     *columns) = found[0]
    if status != PostStatus.PUBLISHED:
        return []
    community = CommunityRow(id=columns[7], slug=columns[8], name=columns[9],
                             icd10=columns[10], archived_at=columns[11])
    thread = ThreadRow(id=columns[0], community_id=columns[1], author_id=columns[2],
                       title=columns[3], kind=columns[4], audience=columns[5],
                       status=columns[6], community=community)
    if opens_thread:
        link, kind = f"/threads/{thread.id}", NotificationKind.NEW_THREAD
        followed = (FollowTarget.COMMUNITY, community.id)

        def text() -> str:
            return _("New thread in %(community)s: “%(title)s”") % {
                "community": community.name, "title": thread.title}
    else:
        link, kind = f"/threads/{thread.id}?after={post_id - 1}#post-{post_id}", \
            NotificationKind.REPLY
        followed = (FollowTarget.THREAD, thread.id)

        def text() -> str:
            return _("%(name)s replied to “%(title)s”") % {
                "name": username, "title": thread.title}
    with locale_of(locale):
        rows: list[dict[str, Any]] = []
        mentioned: set[int] = set()
        if set(mentioned_names(body)) - {username_key}:
            author = await db.get(User, author_id)
            assert author is not None
            mentioned, rows = await _mention_rows(db, author, thread, post_id, body)
        followers = await _followers_who_hear(db, thread, author_id, followed, kind,
                                              skip=mentioned)
        return rows + rows_in_their_languages(followers, kind.value, text=text, link=link,
                                              actor_id=author_id)


@functools.cache
def _followers_statement(kind: NotificationKind) -> Executable:
    """Each follower of a thread or community (but the post's author) who has not turned
    `kind` off, with their language, their membership of the thread's community and their
    roles (a row per role)."""
    silenced = exists().where(NotificationPreference.user_id == User.id,
                              NotificationPreference.kind == kind.value,
                              NotificationPreference.delivery == Delivery.OFF.value)
    return (
        select(User.id, User.username, User.locale, User.privilege_version, User.is_active,
               User.deleted_at, Membership.joined_at, UserRole.role)
        .join(Follow, Follow.user_id == User.id)
        .outerjoin(Membership, and_(Membership.user_id == User.id,
                                    Membership.community_id == bindparam("community_id")))
        .outerjoin(UserRole, UserRole.user_id == User.id)
        .where(Follow.target_type == bindparam("target_type"),
               Follow.target_id == bindparam("target_id"), User.id != bindparam("author_id"),
               User.deleted_at.is_(None), ~silenced)
    )


async def _followers_who_hear(db: AsyncSession, thread: ThreadRow, author_id: int,
                              followed: tuple[FollowTarget, int], kind: NotificationKind, *,
                              skip: set[int]) -> list[Viewer]:
    """The followers of `followed` (the thread, or its community) who hear of a post in the
    thread: who may read it now (someone who left a members-only community hears nothing
    more of it) and has not turned `kind` off, but the author and `skip`; one statement,
    read as plain rows."""
    found = await read_rows(db, _followers_statement(kind), {
        "community_id": thread.community_id, "target_type": followed[0].value,
        "target_id": followed[1], "author_id": author_id})
    people: dict[int, tuple[Any, ...]] = {}
    roles: dict[int, set[Role]] = {}
    for row in found:
        people.setdefault(row[0], row)
        if row[7] is not None:
            roles.setdefault(row[0], set()).add(Role(row[7]))
    hearing = []
    for person_id, row in people.items():
        if person_id in skip:
            continue
        person = Viewer(id=row[0], username=row[1], locale=row[2], privilege_version=row[3],
                        is_active=row[4], deleted_at=row[5],
                        role_names=frozenset(roles.get(person_id, ())))
        membership = (MembershipRow(community_id=thread.community_id, joined_at=row[6])
                      if row[6] is not None else None)
        if access.can_read_thread(person, thread, membership):
            hearing.append(person)
    return hearing


_ADD_POST = insert(table_of(Post)).returning(table_of(Post).c.id)
_ADD_POST_WITH_ID = insert(table_of(Post))
_ADD_POST_VERSION = insert(table_of(PostVersion))


async def _insert_post(db: AsyncSession, thread: AnyThread, author: Reader, prepared: PreparedReply,
                       outcome: ScreenOutcome, post_id: int | None = None) -> Post:
    """The reply and its first version as two Core inserts (no unit of work); the `Post`
    returned is in the session as if it had been loaded. The post's id comes back from its
    insert, or is known before (`post_id`, read under SQLite's write lock: `recheck_reply`),
    and then the insert goes, as the version does, with the next statement or the commit."""
    post = Post(thread_id=thread.id, author_id=author.id, body=prepared.body,
                body_html=prepared.body_html, created_at=utcnow(), version=1, edited_at=None,
                helpful_count=0, hugs_count=0)
    _apply_verdict(post, outcome)
    columns = {column.key: getattr(post, column.key) for column in table_of(Post).columns
               if column.key != "id"}
    if post_id is None:
        post.id = (await write_rows(db, _ADD_POST, columns))[0][0]
    else:
        post.id = post_id
        await write_later(db, _ADD_POST_WITH_ID, {"id": post_id, **columns})
    make_transient_to_detached(post)
    db.add(post)
    await write_later(db, _ADD_POST_VERSION, {
        "post_id": post.id, "version": 1, "body": post.body,
        "screen_labels": post.screen_labels, "created_at": post.created_at})
    return post


_THREADS = table_of(Thread)
_COUNTED = (_THREADS.c.reply_count, _THREADS.c.last_activity_at)
_COUNT_REPLY = (update(_THREADS).where(_THREADS.c.id == bindparam("thread_id"))
                .values(reply_count=_THREADS.c.reply_count + bindparam("delta"))
                .returning(*_COUNTED))
_COUNT_REPLY_AT = (update(_THREADS).where(_THREADS.c.id == bindparam("thread_id"))
                   .values(reply_count=_THREADS.c.reply_count + bindparam("delta"),
                           last_activity_at=bindparam("moment", type_=Thread.created_at.type))
                   .returning(*_COUNTED))


_COUNT_REPLY_LATER = (update(_THREADS).where(_THREADS.c.id == bindparam("thread_id"))
                      .values(reply_count=_THREADS.c.reply_count + bindparam("delta"),
                              last_activity_at=bindparam("moment",
                                                         type_=Thread.created_at.type)))


async def _count_published_reply(
    db: AsyncSession, thread: Thread | ThreadRow, delta: int, moment: datetime | None = None
) -> None:
    # The counter is added to in SQL (concurrent replies). An ORM thread takes the values
    # read back in the same statement; a plain row reads nothing back, so its counters are
    # written later (on SQLite with the commit: no trip of their own under the write lock).
    parameters: dict[str, Any] = {"thread_id": thread.id, "delta": delta}
    if moment is not None:
        parameters["moment"] = moment
        if isinstance(thread, ThreadRow):
            await write_later(db, _COUNT_REPLY_LATER, parameters)
            return
    reply_count, last_activity_at = (await write_rows(
        db, _COUNT_REPLY if moment is None else _COUNT_REPLY_AT, parameters))[0]
    if isinstance(thread, Thread):
        set_committed_value(thread, "reply_count", reply_count)
        set_committed_value(thread, "last_activity_at", last_activity_at)


async def _mention_rows(db: AsyncSession, author: User, thread: AnyThread, post_id: int,
                        body: str) -> tuple[set[int], list[dict[str, Any]]]:
    """The people the post `post_id` (saying `body`) mentions who may read the thread, and
    the notifications to write them. Whoever cannot read it hears nothing (a mention must
    not leak the thread): see `mentions`."""
    readers = (await resolve_mentions(db, author, thread, body)).readers
    rows = await notification_rows(
        db, readers, NotificationKind.MENTION.value,
        text=lambda: _("%(name)s mentioned you in “%(title)s”")
        % {"name": author.username, "title": thread.title},
        link=f"/threads/{thread.id}?after={post_id - 1}#post-{post_id}", actor_id=author.id)
    return {person.id for person in readers}, rows


async def edit_post(
    db: AsyncSession, runtime: Runtime, editor: User, post: Post, form: dict[str, str]
) -> Post:
    """Replace the text, keeping every earlier version; the new text is screened again."""
    if not access.can_edit_post(editor, post):
        raise NotAllowed(_("You cannot edit this post."))
    body = _validated_body(form.get("body", ""))
    if body == post.body:
        return post
    thread = post.thread
    outcome = await _screen(db, runtime, editor, body, venue_of(thread.kind).value,
                            thread.community)
    if outcome.premoderated and post.is_published:
        # A published post's edit is not a "first post"; only a verdict can hold it.
        outcome = ScreenOutcome(_status_for(outcome.verdict, thread.community.crisis_posts),
                                outcome.verdict)
    was = post.status
    post.version += 1
    post.body, post.body_html, post.edited_at = body, render_markdown(body), utcnow()
    _apply_verdict(post, outcome)
    db.add(PostVersion(post_id=post.id, version=post.version, body=body,
                       screen_labels=post.screen_labels))
    await _open_review_if_needed(db, runtime, post, thread, outcome)
    if was != PostStatus.PUBLISHED and post.status == PostStatus.PUBLISHED:
        still_held = await runtime.review_sink.resolve_reviews(
            db, "post", post.id, actor_id=editor.id, note=_("The author edited it; it now screens clean."))
        if still_held:
            # What the edit does not answer (a crisis, a member's report) still waits.
            post.status = PostStatus.PENDING.value
    await _sync_thread_after_status_change(db, post, thread, was)
    await audit.record(db, "post.edited", actor_id=editor.id, target_type="post",
                       target_id=post.id, detail={"version": post.version, "status": post.status})
    return post


async def delete_own_post(db: AsyncSession, user: User, post: Post) -> None:
    """The author's delete hides the post from everyone but moderators; nothing is destroyed."""
    if post.author_id != user.id:
        raise NotAllowed(_("You can only delete your own posts."))
    if post.status in (PostStatus.AUTHOR_DELETED, PostStatus.REMOVED):
        return
    was = post.status
    post.status = PostStatus.AUTHOR_DELETED.value
    await _sync_thread_after_status_change(db, post, post.thread, was)
    await audit.record(db, "post.deleted_by_author", actor_id=user.id, target_type="post",
                       target_id=post.id, detail={"from": was})


async def _is_opening_post(db: AsyncSession, post: Post) -> bool:
    first = await db.scalar(select(func.min(Post.id)).where(Post.thread_id == post.thread_id))
    return first == post.id


async def _sync_thread_after_status_change(
    db: AsyncSession, post: Post, thread: Thread, was: str
) -> None:
    now_published, was_published = post.status == PostStatus.PUBLISHED, was == PostStatus.PUBLISHED
    if await _is_opening_post(db, post):
        thread.status = post.status
        if post.status == PostStatus.OFF_PLATFORM and thread.moved_off_platform_at is None:
            thread.moved_off_platform_at = utcnow()
        return
    if now_published != was_published:
        await _count_published_reply(db, thread, +1 if now_published else -1)


# ---- reactions ----------------------------------------------------------------------------


def reaction_counter(kind: str) -> Any:
    """The post column that counts reactions of `kind` (this mapping lives only here)."""
    return Post.helpful_count if kind == ReactionKind.HELPFUL else Post.hugs_count


async def take_back_reactions(db: AsyncSession, user_id: int) -> None:
    """Remove every reaction a person gave, keeping the posts' counters right."""
    reactions = (await db.execute(
        select(Reaction.post_id, Reaction.kind).where(Reaction.user_id == user_id))).all()
    for post_id, kind in reactions:
        column = reaction_counter(kind)
        await db.execute(update(Post).where(Post.id == post_id).values({column: column - 1}))
    await db.execute(delete(Reaction).where(Reaction.user_id == user_id))


@functools.cache
def _add_reaction_statement(dialect: str) -> Executable:
    """A reaction added, or nothing when it is there already; its id when added."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = table_of(Reaction)
    return make(table).on_conflict_do_nothing(
        index_elements=["post_id", "user_id", "kind"]).returning(table.c.id)


_REACTIONS = table_of(Reaction)
_TAKE_BACK_REACTION = (delete(_REACTIONS).where(
    _REACTIONS.c.post_id == bindparam("post_id"), _REACTIONS.c.user_id == bindparam("user_id"),
    _REACTIONS.c.kind == bindparam("kind")).returning(_REACTIONS.c.id))
_POSTS = table_of(Post)
# Per counter: added to in SQL (concurrent reactions), both counters read back.
_COUNT_REACTION = {
    key: (update(_POSTS).where(_POSTS.c.id == bindparam("post_id"))
          .values({key: _POSTS.c[key] + bindparam("delta")})
          .returning(_POSTS.c.helpful_count, _POSTS.c.hugs_count))
    for key in ("helpful_count", "hugs_count")}
_ADD_NOTIFICATION = insert(table_of(Notification))


async def toggle_reaction(db: AsyncSession, user: User, post: Post, kind: str,
                          membership: Membership | None) -> bool:
    """Add the person's reaction of `kind`, or take it back; True when it is now on.
    (`membership`: the person's in the post's community, as the route read it in this
    transaction.) A few statements through the driver: the reaction added (or, there
    already, taken back), the post's counter, and for an added one who of the author turned
    reactions off; the notification goes with the commit (`write_later`)."""
    if kind not in {k.value for k in ReactionKind}:
        raise FormErrors({"kind": [_("Unknown reaction.")]})
    thread = post.thread
    if (not access.can_read_thread(user, thread, membership) or not post.is_published
            or post.author_id == user.id):
        raise NotAllowed(_("You cannot react to this post."))
    key = reaction_counter(kind).key
    parameters = {"post_id": post.id, "user_id": user.id, "kind": kind}
    added = await write_rows(db, _add_reaction_statement(db.get_bind().dialect.name),
                             parameters)
    if not added:
        await write_rows(db, _TAKE_BACK_REACTION, parameters)
    helpful, hugs = (await write_rows(db, _COUNT_REACTION[key], {
        "post_id": post.id, "delta": 1 if added else -1}))[0]
    set_committed_value(post, "helpful_count", helpful)
    set_committed_value(post, "hugs_count", hugs)
    if not added:
        return False

    def text() -> str:
        label = (_("found your post helpful") if kind == ReactionKind.HELPFUL
                 else _("sent you hugs"))
        return _("%(name)s %(what)s in “%(title)s”") % {
            "name": user.username, "what": label, "title": thread.title}

    for row in await notification_rows(
            db, [post.author], NotificationKind.REACTION.value, text=text,
            link=f"/threads/{thread.id}?after={post.id - 1}#post-{post.id}", actor_id=user.id):
        await write_later(db, _ADD_NOTIFICATION, row)
    return True


# ---- for the moderation domain ------------------------------------------------------------

MODERATION_STATUSES = frozenset(
    {PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.OFF_PLATFORM, PostStatus.REMOVED}
)


async def get_post_for_moderation(db: AsyncSession, post_id: int) -> Post | None:
    """The post with its author, thread and community loaded, whatever its status."""
    return await get_post(db, post_id)


async def apply_moderation_decision(
    db: AsyncSession, post_id: int, *, status: str, actor_id: int | None
) -> Post:
    """Publish, hold, move off-platform, remove or restore a post; keeps its text; audited."""
    if status not in MODERATION_STATUSES:
        raise ValueError(f"unknown post status {status!r}")
    post = await get_post(db, post_id)
    if post is None:
        raise LookupError(f"post {post_id} does not exist")
    was = post.status
    if was == status:
        return post
    post.status = status
    await _sync_thread_after_status_change(db, post, post.thread, was)
    await audit.record(db, "post.status_changed", actor_id=actor_id, target_type="post",
                       target_id=post.id, detail={"from": was, "to": status})
    return post


async def post_off_platform_reply(
    db: AsyncSession, post_id: int, *, actor_id: int, text: str
) -> bool:
    """The standard off-platform reply to a personal-advice request, posted under it in its
    thread; the thread records that the question was moved. Only an opening post moves its
    whole thread (then only its author and the moderators can read the thread, the answer
    with it); False for a reply, whose author is told another way."""
    post = await get_post(db, post_id)
    if post is None:
        raise LookupError(f"post {post_id} does not exist")
    thread = post.thread
    if not await _is_opening_post(db, post):
        return False
    now = utcnow()
    if thread.moved_off_platform_at is None:
        thread.moved_off_platform_at = now
    body = clean_text(text).strip()
    answer = Post(thread_id=thread.id, author_id=actor_id, body=body,
                  body_html=render_markdown(body), created_at=now, version=1,
                  status=PostStatus.PUBLISHED.value, screen_labels=[], screen_spans=[])
    db.add(answer)
    await db.flush()
    db.add(PostVersion(post_id=answer.id, version=1, body=body, screen_labels=[]))
    await _count_published_reply(db, thread, +1, now)
    await notify(db, post.author_id, NotificationKind.REPLY.value,
                 text=_("Your question “%(title)s” was answered: it is best taken to your own "
                        "clinician.") % {"title": thread.title},
                 link=f"/threads/{thread.id}?after={answer.id - 1}#post-{answer.id}")
    await audit.record(db, "thread.moved_off_platform_answered", actor_id=actor_id,
                       target_type="thread", target_id=thread.id,
                       detail={"post": post.id, "answer": answer.id})
    return True
