"""Notification actions: notify, count unread, list with keyset pages, mark read."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.db import utcnow
from community.i18n import current_locale, locale_of
from community.notifications.models import Notification

PAGE_SIZE = 30


async def notify(
    db: AsyncSession, user_id: int, kind: str, *, text: str | Callable[[], str], link: str = ""
) -> Notification:
    """Add one notification for `user_id` in the caller's transaction.

    `text` may be a function making it: it is then written in the person's own language
    (their setting, else the language of the request that notifies them)."""
    if callable(text):
        chosen = await db.scalar(select(User.locale).where(User.id == user_id))
        with locale_of(chosen or current_locale()):
            text = text()
    # Only same-site paths: a notification never sends anyone off the site.
    safe_link = link if link.startswith("/") and not link.startswith("//") else ""
    notification = Notification(user_id=user_id, kind=kind, text=text[:500],
                                link=safe_link[:300])
    db.add(notification)
    await db.flush()
    return notification


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
    statement = select(Notification).where(Notification.user_id == user_id)
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
