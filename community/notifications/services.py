"""Notification actions: notify, count unread, list with keyset pages, mark read."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Insert, ScalarSelect, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from community.accounts.models import User
from community.db import (
    connection_of,
    driver_statement,
    table_of,
    utcnow,
    write_later,
    write_later_computed,
)
from community.i18n import current_locale, locale_of
from community.notifications.models import (
    Delivery,
    Follow,
    FollowTarget,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from community.paths import same_site_path

PAGE_SIZE = 30


async def notify(
    db: AsyncSession, user_id: int, kind: str, *, text: str | Callable[[], str], link: str = "",
    actor_id: int | None = None,
) -> Notification | None:
    """Add one notification for `user_id` in the caller's transaction (none when the person
    turned this kind off).

    `text` may be a function making it: it is then written in the person's own language
    (their setting, else the language of the request that notifies them)."""
    if await delivery_of(db, user_id, kind) == Delivery.OFF:
        return None
    if callable(text):
        chosen = await db.scalar(select(User.locale).where(User.id == user_id))
        with locale_of(chosen or current_locale()):
            text = text()
    # Only same-site paths: a notification never sends anyone off the site.
    safe_link = link if same_site_path(link) else ""
    notification = Notification(user_id=user_id, kind=kind, text=text[:500],
                                link=safe_link[:300], actor_id=actor_id)
    db.add(notification)
    await db.flush()
    return notification


async def notify_each(
    db: AsyncSession, people: Sequence[User], kind: str, *, text: Callable[[], str],
    link: str = "", actor_id: int | None = None,
) -> int:
    """`notify` for many people at once, in the caller's transaction: one statement for who
    turned this kind off and one insert for the rest, each text in the person's language
    (their setting, else the request's). One notification per person, however often they
    appear in `people`; returns how many were written."""
    rows = await notification_rows(db, people, kind, text=text, link=link, actor_id=actor_id)
    return await write_notifications(db, rows)


_ADD_NOTIFICATION = insert(table_of(Notification))
ROWS_JOINED = 64
"""Up to this many notifications wait for the transaction's next statement on PostgreSQL,
joined to it (`community.pg_batch`: a clause each); more go at once in one executemany."""


async def write_notifications(db: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Write the rows `notification_rows` made, in the caller's transaction; returns how many.

    Past SQLAlchemy's execution (no ORM bulk insert, no statement built per call), written
    later, with the transaction's next statement or its commit: on SQLite one executemany in
    that trip to the connection's thread; on PostgreSQL joined to that statement, or, past
    `ROWS_JOINED`, sent now in one Core executemany, so no statement grows with a
    community's followers."""
    if not rows:
        return 0
    dialect = db.get_bind().dialect
    if dialect.name == "sqlite":
        # Every row has every column the insert names (`rows_in_their_languages`).
        sql, _ = driver_statement(dialect, _ADD_NOTIFICATION, rows[0])
        values = [driver_statement(dialect, _ADD_NOTIFICATION, row)[1] for row in rows]
        await write_later_computed(db, partial(_insert_each, sql, values))
    elif len(rows) > ROWS_JOINED:
        await (await connection_of(db)).execute(_ADD_NOTIFICATION, rows)
    else:
        for row in rows:
            await write_later(db, _ADD_NOTIFICATION, row)
    return len(rows)


def _insert_each(sql: str, values: list[tuple[Any, ...]], _dialect: Any,
                 connection: sqlite3.Connection) -> None:
    """In SQLite's connection thread, in the writer's transaction: one executemany."""
    connection.executemany(sql, values).close()


async def notification_rows(
    db: AsyncSession, people: Sequence[User], kind: str, *, text: Callable[[], str],
    link: str = "", actor_id: int | None = None,
) -> list[dict[str, Any]]:
    """The rows `notify_each` writes, made by reading only (who turned this kind off)."""
    unique = list({person.id: person for person in people}.values())
    if not unique:
        return []
    silenced = set(await db.scalars(select(NotificationPreference.user_id).where(
        NotificationPreference.user_id.in_([person.id for person in unique]),
        NotificationPreference.kind == kind,
        NotificationPreference.delivery == Delivery.OFF)))
    return rows_in_their_languages([person for person in unique if person.id not in silenced],
                                   kind, text=text, link=link, actor_id=actor_id)


class Recipient(Protocol):
    """Whom a notification is written for: a `User`, or their id and language read plainly."""

    @property
    def id(self) -> int: ...
    @property
    def locale(self) -> str | None: ...


def rows_in_their_languages(
    people: Sequence[Recipient], kind: str, *, text: Callable[[], str], link: str = "",
    actor_id: int | None = None,
) -> list[dict[str, Any]]:
    """The notification rows for `people` (already without those who turned `kind` off,
    each once), each text in the person's language (their setting, else the request's)."""
    safe_link = (link if same_site_path(link) else "")[:300]
    request_locale = current_locale()
    texts: dict[str, str] = {}  # the text is the same for everyone of one language
    rows = []
    for person in people:
        locale = person.locale or request_locale
        written = texts.get(locale)
        if written is None:
            with locale_of(locale):
                written = texts[locale] = text()[:500]
        rows.append({"user_id": person.id, "kind": kind, "text": written,
                     "link": safe_link, "actor_id": actor_id, "created_at": utcnow()})
    return rows


def _unread(user_id: Any) -> ScalarSelect[int]:
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    ).scalar_subquery()


async def unread_count(db: AsyncSession, user_id: int) -> int:
    return int(await db.scalar(select(_unread(user_id))) or 0)


@functools.cache
def unread_count_of_user() -> ScalarSelect[int]:
    """The unread count as a column of a statement that selects `User`: the session
    middleware reads it with the account, in the same statement."""
    return _unread(User.id)


async def list_notifications(
    db: AsyncSession, user_id: int, *, before: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Notification], int | None]:
    """Newest first; returns the page and the cursor for the next one (None at the end)."""
    statement = (select(Notification).where(Notification.user_id == user_id)
                 .options(joinedload(Notification.actor)))
    if before is not None:
        statement = statement.where(Notification.id < before)
    rows = list(await db.scalars(statement.order_by(Notification.id.desc()).limit(limit + 1)))
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], next_cursor


async def mark_read(db: AsyncSession, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, without an id, every) unread notification of `user_id` read."""
    statement = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    result = await db.execute(statement.values(read_at=utcnow()))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# ---- preferences ------------------------------------------------------------------------

# What a person may choose per kind. Moderation outcomes always reach the site.
CONFIGURABLE_KINDS = (NotificationKind.REPLY, NotificationKind.MENTION,
                      NotificationKind.REACTION, NotificationKind.NEW_THREAD,
                      NotificationKind.MESSAGE, NotificationKind.MODERATION)
EMAIL_DELIVERIES = frozenset({Delivery.IMMEDIATE, Delivery.DAILY, Delivery.WEEKLY})


def allowed_deliveries(kind: str) -> tuple[Delivery, ...]:
    if kind == NotificationKind.MODERATION:
        return tuple(d for d in Delivery if d != Delivery.OFF)
    return tuple(Delivery)


async def delivery_of(db: AsyncSession, user_id: int, kind: str) -> str:
    chosen = await db.scalar(select(NotificationPreference.delivery).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind))
    return chosen or Delivery.SITE


async def preferences_of(db: AsyncSession, user_id: int) -> dict[str, str]:
    rows = await db.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                            .where(NotificationPreference.user_id == user_id))
    chosen = dict(rows.tuples().all())
    return {kind.value: chosen.get(kind.value, Delivery.SITE) for kind in CONFIGURABLE_KINDS}


class PreferenceRefused(ValueError):
    """A delivery that is not on offer for a kind."""


async def set_preference(db: AsyncSession, user_id: int, kind: str, delivery: str) -> None:
    if kind not in {k.value for k in CONFIGURABLE_KINDS} or delivery not in {
            d.value for d in allowed_deliveries(kind)}:
        raise PreferenceRefused(kind)
    existing = await db.get(NotificationPreference, (user_id, kind))
    if existing is None:
        db.add(NotificationPreference(user_id=user_id, kind=kind, delivery=delivery))
    else:
        existing.delivery = delivery
    await db.flush()


# ---- following ----------------------------------------------------------------------------


async def is_following(db: AsyncSession, user_id: int, target: FollowTarget,
                       target_id: int) -> bool:
    return await db.scalar(select(Follow.id).where(
        Follow.user_id == user_id, Follow.target_type == target,
        Follow.target_id == target_id)) is not None


@functools.cache
def _follow_statement(dialect: str) -> Insert:
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return make(table_of(Follow)).on_conflict_do_nothing(
        index_elements=["user_id", "target_type", "target_id"])


async def follow(db: AsyncSession, user_id: int, target: FollowTarget, target_id: int) -> None:
    """Follow a thread or community (already following changes nothing): one statement,
    written with the transaction's next one (`write_later`)."""
    await write_later(db, _follow_statement(db.get_bind().dialect.name), {
        "user_id": user_id, "target_type": target.value, "target_id": target_id})


async def unfollow(db: AsyncSession, user_id: int, target: FollowTarget, target_id: int) -> None:
    await db.execute(delete(Follow).where(
        Follow.user_id == user_id, Follow.target_type == target, Follow.target_id == target_id))


async def follower_ids(db: AsyncSession, target: FollowTarget, target_id: int) -> list[int]:
    return list(await db.scalars(select(Follow.user_id).where(
        Follow.target_type == target, Follow.target_id == target_id)))
