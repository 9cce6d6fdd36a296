"""E-mail for notifications: at once, or as a daily or weekly digest, through the mailer
(outbox or SMTP), from a loop on the same background mechanism as the other jobs.

Each e-mail is claimed first: a `DigestClaim` row per person and period ("daily:2026-12-06",
"weekly:2026-W49", "now:<notification id>") is committed before sending and marked sent
after. A pass that finds a claim already sent skips it; one claimed but not marked sent (the
process died in between) is sent again with the same Message-ID, which replaces the outbox
file and lets receivers drop a duplicate. So a period is never delivered twice, and a kill
mid-run loses nothing.

Subjects never carry anything about health: a thread title may, so it stays in the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.background import BackgroundJob
from community.db import intent, utcnow
from community.i18n import gettext as _
from community.notifications.models import (
    Delivery,
    DigestClaim,
    Notification,
    NotificationPreference,
)
from community.runtime import Runtime
from community.settings import Settings

POLL_SECONDS = 300.0
log = logging.getLogger("kindred.notifications.digest")


# ---- signed unsubscribe links --------------------------------------------------------------


def unsubscribe_signature(secret: str, user_id: int) -> str:
    digest = hmac.new(secret.encode(), f"unsubscribe:{user_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode()


def unsubscribe_path(settings: Settings, user_id: int) -> str:
    return f"/unsubscribe/{user_id}/{unsubscribe_signature(settings.secret_key, user_id)}"


def valid_unsubscribe(settings: Settings, user_id: int, signature: str) -> bool:
    return hmac.compare_digest(signature, unsubscribe_signature(settings.secret_key, user_id))


async def stop_all_email(db: AsyncSession, user_id: int) -> int:
    """Every e-mail delivery of this person becomes "in site only"; returns how many."""
    rows = list(await db.scalars(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id,
        NotificationPreference.delivery.in_(
            [Delivery.IMMEDIATE, Delivery.DAILY, Delivery.WEEKLY]))))
    for row in rows:
        row.delivery = Delivery.SITE
    await db.flush()
    return len(rows)


# ---- periods -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    start: datetime
    end: datetime


def last_complete_period(delivery: str, now: datetime) -> Period:
    """The last whole UTC day (daily) or ISO week (weekly) before `now`."""
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    if delivery == Delivery.DAILY:
        start = today - timedelta(days=1)
        return Period(f"daily:{start.date().isoformat()}", start, today)
    this_week = today - timedelta(days=today.weekday())
    start = this_week - timedelta(days=7)
    year, week, _day = start.isocalendar()
    return Period(f"weekly:{year}-W{week:02d}", start, this_week)


@dataclass(frozen=True)
class Due:
    user_id: int
    email: str
    period: str
    lines: tuple[tuple[str, str], ...]  # notification text, link


async def _due(db: AsyncSession, now: datetime) -> list[Due]:
    """Everything owed now: one digest per person and period, one e-mail per immediate
    notification, leaving out what was already sent."""
    preferences = (await db.execute(
        select(NotificationPreference.user_id, NotificationPreference.kind,
               NotificationPreference.delivery)
        .where(NotificationPreference.delivery.in_(
            [Delivery.IMMEDIATE, Delivery.DAILY, Delivery.WEEKLY])))).all()
    if not preferences:
        return []
    wanted: dict[tuple[int, str], set[str]] = {}
    for user_id, kind, delivery in preferences:
        wanted.setdefault((user_id, delivery), set()).add(kind)
    user_ids = sorted({user_id for user_id, _kind, _delivery in preferences})
    emails = dict((await db.execute(select(User.id, User.email).where(
        User.id.in_(user_ids), User.deleted_at.is_(None),
        User.is_active.is_(True)))).tuples().all())
    sent = {(row.user_id, row.period) for row in (await db.execute(
        select(DigestClaim.user_id, DigestClaim.period).where(
            DigestClaim.user_id.in_(user_ids), DigestClaim.sent_at.is_not(None)))).all()}
    due: list[Due] = []
    for (user_id, delivery), kinds in sorted(wanted.items()):
        if user_id not in emails:
            continue
        if delivery == Delivery.IMMEDIATE:
            notes = list(await db.scalars(select(Notification).where(
                Notification.user_id == user_id, Notification.kind.in_(sorted(kinds)),
                Notification.created_at >= now - timedelta(days=1),
                Notification.read_at.is_(None)).order_by(Notification.id)))
            due.extend(Due(user_id, emails[user_id], f"now:{note.id}", ((note.text, note.link),))
                       for note in notes if (user_id, f"now:{note.id}") not in sent)
            continue
        period = last_complete_period(delivery, now)
        if (user_id, period.key) in sent:
            continue
        notes = list(await db.scalars(select(Notification).where(
            Notification.user_id == user_id, Notification.kind.in_(sorted(kinds)),
            Notification.created_at >= period.start, Notification.created_at < period.end)
            .order_by(Notification.id)))
        if notes:
            due.append(Due(user_id, emails[user_id], period.key,
                           tuple((note.text, note.link) for note in notes)))
    return due


async def _claim(runtime: Runtime, item: Due) -> bool:
    """Claim the e-mail (committed); False when it was already sent."""
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            existing = await db.get(DigestClaim, (item.user_id, item.period))
            if existing is not None:
                return existing.sent_at is None
            try:
                async with db.begin_nested():
                    db.add(DigestClaim(user_id=item.user_id, period=item.period))
            except IntegrityError:
                return False
    return True


async def _mark_sent(runtime: Runtime, item: Due) -> None:
    with intent(write=True):
        async with runtime.sessionmaker() as db, db.begin():
            claim = await db.get(DigestClaim, (item.user_id, item.period))
            if claim is not None:
                claim.sent_at = utcnow()


def compose(settings: Settings, item: Due) -> tuple[str, str, dict[str, str], str]:
    """Subject, body, headers and Message-ID of one e-mail."""
    base = settings.base_url
    unsubscribe = base + unsubscribe_path(settings, item.user_id)
    subject = (_("New activity on Kindred") if item.period.startswith("now:")
               else _("Your Kindred digest"))
    lines = [_("Here is what happened since your last e-mail from Kindred:"), ""]
    for text, link in item.lines:
        lines.append(f"- {text}")
        if link:
            lines.append(f"  {base}{link}")
    lines += ["", _("All your notifications: %(url)s") % {"url": f"{base}/notifications"},
              _("Choose what reaches you by e-mail: %(url)s")
              % {"url": f"{base}/notifications/settings"},
              _("Stop these e-mails with one click: %(url)s") % {"url": unsubscribe}]
    headers = {"List-Unsubscribe": f"<{unsubscribe}>",
               "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    digest = hashlib.sha256(f"{item.user_id}:{item.period}".encode()).hexdigest()[:32]
    return subject, "\n".join(lines) + "\n", headers, f"<digest-{digest}@kindred.local>"


async def send_due(runtime: Runtime, now: datetime | None = None) -> int:
    """One pass: send everything owed at `now`; returns how many e-mails went out."""
    moment = now or utcnow()
    async with runtime.sessionmaker() as db:
        due = await _due(db, moment)
    sent = 0
    for item in due:
        if not await _claim(runtime, item):
            continue
        subject, body, headers, message_id = compose(runtime.settings, item)
        await runtime.mailer.send(item.email, subject, body, headers=headers,
                                  message_id=message_id)
        await _mark_sent(runtime, item)
        sent += 1
    return sent


# Every process may run it: claims keep each e-mail single.
DIGEST_JOB = BackgroundJob("notification-digests", "sending notification e-mail", POLL_SECONDS,
                           send_due, log)
