"""@mentions: whom a text mentions, which of them may read the thread (only they are told),
and the names the reply box suggests while someone types `@`.

A mention inside a quote (a line starting with `>`) is someone else's words: it tells nobody
again. Suggestions are people who may read the thread and who already posted in its
community, this thread's own voices first: the list must never reveal that someone belongs to
a community where they have not shown themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.communities import access
from community.communities.models import Membership, Post, PostStatus, Thread
from community.communities.plain import AnyThread
from community.i18n import ngettext

MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.-]{2,31})")
MAX_MENTIONS = 10
"""Only the first this many people named in one text are told."""
SUGGESTIONS = 8
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
_QUOTE_LINE = re.compile(r"^ {0,3}>")


@dataclass(frozen=True)
class Mentions:
    """What a text's mentions come to in a thread."""

    readers: list[User] = field(default_factory=list)
    """The people named who may read the thread: they are told."""
    unheard: list[str] = field(default_factory=list)
    """Names as written that nobody who may read the thread answers to."""
    over_limit: list[str] = field(default_factory=list)
    """Names beyond MAX_MENTIONS: not looked up, not told."""


def mentioned_names(body: str) -> dict[str, str]:
    """Each name mentioned outside quotes, by its lower-case key, as first written."""
    names: dict[str, str] = {}
    for line in body.split("\n"):
        if _QUOTE_LINE.match(line):
            continue
        for name in MENTION_RE.findall(line):
            names.setdefault(name.lower(), name)
    return names


async def readers_of(db: AsyncSession, thread: AnyThread, people: list[User]) -> list[User]:
    """The people among `people` who may read `thread` now (one query for memberships)."""
    if not people:
        return []
    member_ids = set(await db.scalars(select(Membership.user_id).where(
        Membership.community_id == thread.community_id,
        Membership.user_id.in_([p.id for p in people]))))
    return [person for person in people if access.can_read_thread(
        person, thread, Membership() if person.id in member_ids else None)]


async def readers_among(db: AsyncSession, thread: AnyThread, user_ids: set[int]) -> list[User]:
    """The people among `user_ids` who may read `thread` now: someone who left a members-only
    community hears nothing more of it."""
    if not user_ids:
        return []
    people = list(await db.scalars(select(User).where(
        User.id.in_(sorted(user_ids)), User.deleted_at.is_(None))))
    return await readers_of(db, thread, people)


async def resolve_mentions(db: AsyncSession, author: User, thread: AnyThread, body: str) -> Mentions:
    """Who `body`, written by `author` in `thread`, mentions, and who of them will be told."""
    return await mentions_by(db, author.username_key, thread, body)


async def mentions_by(db: AsyncSession, author_key: str, thread: AnyThread,
                      body: str) -> Mentions:
    """`resolve_mentions` for an author known by their username's key alone (a reply's
    author is read as plain values, `community.accounts.viewer.Viewer`)."""
    written = mentioned_names(body)
    written.pop(author_key, None)
    if not written:
        return Mentions()
    keys = list(written)
    considered, beyond = keys[:MAX_MENTIONS], keys[MAX_MENTIONS:]
    people = list(await db.scalars(select(User).where(
        User.username_key.in_(considered), User.deleted_at.is_(None))))
    readers = await readers_of(db, thread, people)
    told = {person.username_key for person in readers}
    return Mentions(readers=readers,
                    unheard=[written[key] for key in considered if key not in told],
                    over_limit=[written[key] for key in beyond])


async def suggestions(db: AsyncSession, viewer: User, thread: Thread, prefix: str, *,
                      limit: int = SUGGESTIONS) -> list[User]:
    """People whose name starts with `prefix` whom `viewer` may usefully mention in `thread`
    (see the module's note on whom this may list)."""
    if not _PREFIX.match(prefix):
        return []
    spoke_here = exists().where(Post.thread_id == thread.id, Post.author_id == User.id,
                                Post.status == PostStatus.PUBLISHED.value)
    spoke_in_community = exists().where(
        Post.author_id == User.id, Post.status == PostStatus.PUBLISHED.value,
        Post.thread_id == Thread.id, Thread.community_id == thread.community_id,
        access.readable_threads_filter(viewer))
    candidates = list(await db.scalars(
        select(User).where(User.username_key.startswith(prefix.lower(), autoescape=True),
                           User.deleted_at.is_(None), User.is_active.is_(True),
                           User.id != viewer.id, spoke_in_community)
        .order_by(spoke_here.desc(), User.username_key).limit(limit * 3)))
    return (await readers_of(db, thread, candidates))[:limit]


def mention_notice(mentions: Mentions) -> str:
    """What the author is told of the people their text names who will not hear of it
    ("" when everyone named will)."""
    parts = []
    if mentions.unheard:
        parts.append(ngettext(
            "%(names)s will not be told: nobody by that name can read this thread.",
            "%(names)s will not be told: nobody by these names can read this thread.",
            len(mentions.unheard)) % {"names": ", ".join(f"@{n}" for n in mentions.unheard)})
    if mentions.over_limit:
        parts.append(ngettext(
            "Only the first %(max)d people you mention are told: %(names)s will not be.",
            "Only the first %(max)d people you mention are told: %(names)s will not be.",
            len(mentions.over_limit)) % {
                "max": MAX_MENTIONS, "names": ", ".join(f"@{n}" for n in mentions.over_limit)})
    return " ".join(parts)
