"""The signed-in home: one block per concern, each one small query, each linking to its page.

The core contributes the blocks it owns (communities, conversations, open questions for
clinicians); other domains add theirs through the `home_blocks` extension (community.extensions)
(moderation's queue and applications, outcomes' research projects and applications), so the
core never imports them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role, User, UserRole
from community.communities.access import readable_threads_filter
from community.communities.models import (
    Community,
    Membership,
    Post,
    PostStatus,
    Thread,
    ThreadKind,
)
from community.db import utcnow
from community.i18n import gettext as _
from community.i18n import ngettext
from community.notifications.models import Follow, FollowTarget

BLOCK_ROWS = 5
RECENT = timedelta(days=7)


@dataclass(frozen=True)
class HomeItem:
    text: str
    link: str
    meta: str = ""
    when: datetime | None = None


@dataclass(frozen=True)
class HomeBlock:
    """One block of the home page: a heading, a few rows and a link to the full page."""

    key: str
    title: str
    link: str
    link_label: str
    items: Sequence[HomeItem] = field(default_factory=tuple)
    empty: str = ""
    # A total beyond the rows shown (e.g. "12 waiting"), None when the rows are all.
    total: int | None = None


HomeBlockProvider = Callable[[AsyncSession, User], Awaitable[HomeBlock | None]]


async def my_communities(db: AsyncSession, user: User) -> HomeBlock:
    """The person's communities, each with how many threads were active this week."""
    since = utcnow() - RECENT
    active = (
        select(func.count(Thread.id))
        .where(Thread.community_id == Community.id, Thread.last_activity_at >= since,
               Thread.status == PostStatus.PUBLISHED.value)
        .correlate(Community).scalar_subquery()
    )
    rows = (await db.execute(
        select(Community.name, Community.slug, active)
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == user.id, Community.archived_at.is_(None))
        .order_by(Community.name).limit(BLOCK_ROWS * 2)
    )).all()
    items = [
        HomeItem(name, f"/communities/{slug}",
                 (ngettext("%(num)d thread active this week", "%(num)d threads active this week",
                           count) % {"num": count}) if count else _("quiet this week"))
        for name, slug, count in rows
    ]
    return HomeBlock(
        "communities", _("Your communities"), "/communities", _("All communities"), items,
        empty=_("You have not joined a community yet. Find the one for your condition "
                "and join it to talk with people who live with it."))


async def followed_threads(db: AsyncSession, user: User) -> HomeBlock:
    """Threads the person follows (posting in one follows it), most recently active first."""
    followed = exists().where(Follow.user_id == user.id,
                              Follow.target_type == FollowTarget.THREAD.value,
                              Follow.target_id == Thread.id)
    rows = (await db.execute(
        select(Thread.id, Thread.title, Thread.reply_count, Thread.last_activity_at)
        .where(followed, readable_threads_filter(user))
        .order_by(Thread.last_activity_at.desc()).limit(BLOCK_ROWS)
    )).all()
    items = [
        HomeItem(title, f"/threads/{thread_id}",
                 ngettext("%(num)d reply", "%(num)d replies", replies) % {"num": replies},
                 when=last_activity)
        for thread_id, title, replies, last_activity in rows
    ]
    return HomeBlock(
        "following", _("Threads you follow"), "/notifications", _("Your notifications"),
        items, empty=_("Threads you start, reply to or follow appear here with their latest "
                       "activity. Open a community to start one."))


async def open_questions(db: AsyncSession, user: User) -> HomeBlock | None:
    """For clinicians: "Ask a clinician" questions no clinician has answered yet."""
    if not user.has_role(Role.CLINICIAN):
        return None
    answered = exists().where(
        Post.thread_id == Thread.id, Post.status == PostStatus.PUBLISHED.value,
        Post.author_id == UserRole.user_id, UserRole.role == Role.CLINICIAN.value)
    rows = (await db.execute(
        select(Thread.id, Thread.title, Community.name, Thread.created_at)
        .join(Community, Community.id == Thread.community_id)
        .where(Thread.kind == ThreadKind.ASK_A_CLINICIAN.value, ~answered,
               Thread.status == PostStatus.PUBLISHED.value, readable_threads_filter(user))
        .order_by(Thread.created_at).limit(BLOCK_ROWS)
    )).all()
    items = [HomeItem(title, f"/threads/{thread_id}", community, when=created)
             for thread_id, title, community, created in rows]
    return HomeBlock(
        "questions", _("Questions waiting for a clinician"), "/communities",
        _("All communities"), items,
        empty=_("No question is waiting for an answer. Thank you."))


CORE_BLOCKS: tuple[HomeBlockProvider, ...] = (my_communities, followed_threads, open_questions)


async def home_blocks(
    db: AsyncSession, user: User, extra: Sequence[HomeBlockProvider] = ()
) -> list[HomeBlock]:
    """Every block this person's roles call for, core blocks first."""
    blocks: list[HomeBlock] = []
    for provider in (*CORE_BLOCKS, *extra):
        block = await provider(db, user)
        if block is not None:
            blocks.append(block)
    return blocks
