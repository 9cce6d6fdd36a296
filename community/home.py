"""The signed-in home: one block per concern, each one small query, each linking to its page.

The core contributes the blocks it owns (communities, conversations); other domains add theirs
through the `home_blocks` extension (community.extensions): outcomes' reminders, vocabulary
proposals and research, moderation's open questions, queue, applications and education. The
core never imports them.

"New" means new since the person's last visit to their home: a visit starts when the home is
opened after `VISIT_GAP` without opening it, and everything newer than the previous visit's
last look counts as new for the whole visit (so a reload does not hide what was just shown).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Executable, and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.accounts.viewer import Reader
from community.communities.access import readable_threads_of, viewer_kind
from community.communities.models import Community, Membership, PostStatus, Thread
from community.db import read_rows
from community.i18n import gettext as _
from community.i18n import ngettext
from community.notifications.models import Follow, FollowTarget
from community.settings import Settings

BLOCK_ROWS = 5
# A visit ends after this long without opening the home; the next one starts a new "since".
VISIT_GAP = timedelta(hours=1)
# Within a visit, the time of the last look is written at most this often (a GET that writes).
VISIT_WRITE_EVERY = timedelta(minutes=5)
# Before the first visit, "new" means this recent.
FIRST_VISIT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class HomeItem:
    text: str
    link: str
    meta: str = ""
    when: datetime | None = None
    # A short mark beside the row ("overdue", "new", "due") and its tone (a badge class).
    badge: str = ""
    tone: str = ""


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
    # One line under the heading saying how the rows were chosen.
    hint: str = ""
    # Blocks are shown in this order: a role's work first (1-9), then the person's own (10+).
    order: int = 50
    # The icon of `static/icons/sprite.svg` beside the heading.
    icon: str = ""


@dataclass(frozen=True)
class HomeContext:
    """What a block may need besides the database."""

    user: Reader
    now: datetime
    # Newer than this is "new since your last visit".
    since: datetime
    first_visit: bool
    settings: Settings
    # When the person last looked at their home (None before the first look).
    seen_at: datetime | None = None


HomeBlockProvider = Callable[[AsyncSession, HomeContext], Awaitable[HomeBlock | None]]


# The account's columns the home reads with the session (`community.web.account_columns`):
# when the person last looked at their home, and since when things count as new.
VISIT_COLUMNS = (User.home_seen_at, User.home_since)


def home_context(user: Reader, last_look: datetime | None, since: datetime | None,
                 now: datetime, settings: Settings) -> HomeContext:
    """Where this look at the home stands in the person's visits (see the module docstring):
    `last_look` and `since` are the account's `VISIT_COLUMNS`."""
    if last_look is not None and now - last_look > VISIT_GAP:
        since = last_look  # a new visit: new is what came after the previous one
    first_visit = since is None
    return HomeContext(user, now, since or now - FIRST_VISIT_WINDOW, first_visit, settings,
                       last_look)


def visit_changes(home: HomeContext) -> dict[str, datetime]:
    """What to remember of this look at the home: nothing when the last look was written less
    than `VISIT_WRITE_EVERY` ago in the same visit (so most views never write)."""
    now, last_look = home.now, home.seen_at
    if last_look is None:
        return {"home_seen_at": now}
    if now - last_look > VISIT_GAP:
        return {"home_seen_at": now, "home_since": last_look}
    if now - last_look >= VISIT_WRITE_EVERY:
        return {"home_seen_at": now}
    return {}


async def record_visit(db: AsyncSession, user_id: int, changes: dict[str, datetime]) -> None:
    await db.execute(update(User).where(User.id == user_id).values(**changes))


def _new_since(home: HomeContext, count: int) -> str:
    if home.first_visit:
        return ngettext("%(num)d thread active this week", "%(num)d threads active this week",
                        count) % {"num": count}
    return ngettext("%(num)d thread active since your last visit",
                    "%(num)d threads active since your last visit", count) % {"num": count}


async def rows_of(db: AsyncSession, statement: Executable, parameters: dict[str, Any]
                  ) -> Sequence[Any]:
    """The rows of a block's statement, sent straight to the driver (`read_rows`): a block
    selects columns only, and SQLAlchemy's execution path (the ORM's, then even Core's:
    the cache key, the execution context, the result's metadata, a greenlet per statement)
    cost more than the database spent answering. Blocks build their statement once
    (`functools.cache`) with every value bound, the person and the times too, so it is
    compiled once per dialect."""
    return await read_rows(db, statement, parameters)


@functools.cache
def _communities_statement() -> Executable:
    active = (
        select(func.count(Thread.id))
        .where(Thread.community_id == Community.id, Thread.last_activity_at > bindparam("since"),
               Thread.status == PostStatus.PUBLISHED.value)
        .correlate(Community).scalar_subquery()
    )
    return (
        select(Community.name, Community.slug, active)
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == bindparam("user_id"), Community.archived_at.is_(None))
        .order_by(Community.name).limit(BLOCK_ROWS * 2)
    )


async def my_communities(db: AsyncSession, home: HomeContext) -> HomeBlock:
    """The person's communities, each with how many threads were active since their last visit."""
    rows = await rows_of(db, _communities_statement(),
                         {"user_id": home.user.id, "since": home.since})
    quiet = _("quiet this week") if home.first_visit else _("quiet since your last visit")
    items = [
        HomeItem(name, f"/communities/{slug}", _new_since(home, count) if count else quiet,
                 badge=_("new") if count else "", tone="ok")
        for name, slug, count in rows
    ]
    return HomeBlock(
        "communities", _("Your communities"), "/communities", _("All communities"), items,
        empty=_("You have not joined a community yet. Find the one for your condition "
                "and join it to talk with people who live with it."),
        order=20, icon="users")


@functools.cache
def _followed_statement(kind: str) -> Executable:
    """The threads a viewer of `kind` follows and may read, read from their follows (not by
    scanning every thread for a follow), most recently active first."""
    user_id: BindParameter[int] = bindparam("user_id")
    return (
        select(Thread.id, Thread.title, Thread.reply_count, Thread.last_activity_at)
        .join(Follow, and_(Follow.target_id == Thread.id,
                           Follow.target_type == FollowTarget.THREAD.value))
        .where(Follow.user_id == user_id, readable_threads_of(kind, user_id))
        .order_by(Thread.last_activity_at.desc(), Thread.id.desc()).limit(BLOCK_ROWS)
    )


async def followed_threads(db: AsyncSession, home: HomeContext) -> HomeBlock:
    """Threads the person follows (posting in one follows it), most recently active first;
    those with replies since the last visit are marked."""
    user = home.user
    rows = await rows_of(db, _followed_statement(viewer_kind(user)), {"user_id": user.id})
    items = [
        HomeItem(title, f"/threads/{thread_id}",
                 ngettext("%(num)d reply", "%(num)d replies", replies) % {"num": replies},
                 when=last_activity,
                 badge=_("new") if replies and last_activity > home.since else "",
                 tone="ok")
        for thread_id, title, replies, last_activity in rows
    ]
    return HomeBlock(
        "following", _("Threads you follow"), "/notifications", _("Your notifications"),
        items, empty=_("Threads you start, reply to or follow appear here with their latest "
                       "activity. Open a community to start one."),
        order=30, icon="message")


def blocks_shown(blocks: Sequence[HomeBlock]) -> Hashable:
    """Everything the blocks show (but the language, which every kept entry is keyed by),
    as the key their rendered HTML is kept under (`kept` in home_person.html): two people
    whose blocks read the same see the same HTML, and nothing else goes into it. The order
    is left out: it only sorts the blocks, which the key lists in turn."""
    return tuple((block.key, block.title, block.link, block.link_label, tuple(block.items),
                  block.empty, block.total, block.hint, block.icon) for block in blocks)


CORE_BLOCKS: tuple[HomeBlockProvider, ...] = (my_communities, followed_threads)


async def home_blocks(
    db: AsyncSession, home: HomeContext, extra: Sequence[HomeBlockProvider] = ()
) -> list[HomeBlock]:
    """Every block this person's roles call for, in their order."""
    blocks: list[HomeBlock] = []
    for provider in (*CORE_BLOCKS, *extra):
        block = await provider(db, home)
        if block is not None:
            blocks.append(block)
    return sorted(blocks, key=lambda block: block.order)
