"""Queue actions: open or reopen an item, flag, perform a decision, appeal, penalise."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, make_transient_to_detached, selectinload

from community import audit
from community.accounts.models import Role, User, UserRole
from community.db import table_of, utcnow, write_later, write_rows
from community.errors import Conflict, DomainError, NotAllowed, NotFound
from community.i18n import gettext as _
from community.notifications.services import notify
from community.runtime import Runtime
from moderation.queue import targets
from moderation.queue.models import (
    Appeal,
    Flag,
    ModeratorNote,
    Penalty,
    PenaltyKind,
    ReviewHistory,
    ReviewItem,
    ReviewStatus,
)

STAFF = (Role.MODERATOR, Role.ADMIN)
MAX_NOTE = 2000
MAX_PENALTY_DAYS = 3650

# Higher comes first; crisis before everything.
PRIORITY = {
    "urgent": 100,
    # A possible crisis (screening was not sure): below every likely one, above the rest.
    "crisis_check": 90,
    "identifying": 60,
    "clinician_advice": 50,
    "advice_request": 40,
    "promotion": 30,
    "scraping": 30,
    "inappropriate": 20,
    "off_topic": 10,
    "other": 10,
    "new_member": 5,
}

# A crisis on words addressed to people now (a post, a message) before one on a standing
# text (a profile's "about", a tip): all stay above every other reason.
URGENT_PRIORITY_BY_TARGET = {"post": 102, "message": 101}


def priority_for(reason: str, target_type: str) -> int:
    """From the reason (the screening verdict or the member's report), never from how often
    the same text was saved or reported."""
    if reason == "urgent":
        return URGENT_PRIORITY_BY_TARGET.get(target_type, PRIORITY["urgent"])
    return PRIORITY.get(reason, 10)


# Member flag reasons; those that name a screening label join that label's item.
FLAG_REASONS = {
    "off_topic": "off_topic",
    "inappropriate": "inappropriate",
    "personal_advice": "advice_request",
    "identifies_someone": "identifying",
    "spam": "promotion",
    "crisis": "urgent",
    "other": "other",
}


def flag_reason_labels() -> dict[str, str]:
    return {
        "off_topic": _("Off-topic"),
        "inappropriate": _("Inappropriate"),
        "personal_advice": _("Asks for or gives personal medical advice"),
        "identifies_someone": _("Identifies someone"),
        "spam": _("Spam or advertising"),
        "crisis": _("Someone may be in crisis"),
        "other": _("Something else"),
    }


def review_status_label(status: str) -> str:
    """An item's status as a moderator reads it (the stored key when it is unknown)."""
    labels: dict[str, str] = {
        ReviewStatus.PENDING: _("pending"), ReviewStatus.APPROVED: _("approved"),
        ReviewStatus.REJECTED: _("rejected"), ReviewStatus.IGNORED: _("ignored"),
    }
    return labels.get(status, status)


def post_status_label(status: str) -> str:
    """A post's state as a moderator reads it on a person's record."""
    return {
        "published": _("published"), "pending": _("held for review"),
        "off_platform": _("moved off-platform"), "author_deleted": _("deleted by its author"),
        "removed": _("removed"),
    }.get(status, status)


def review_reason_label(reason: str) -> str:
    """What a moderator reads for an item's reason (the stored key when it is unknown)."""
    labels = {
        "urgent": _("crisis"),
        "crisis_check": _("possible crisis"),
        "advice_request": _("personal advice request"),
        "identifying": _("identifying details"),
        "clinician_advice": _("clinician's individual advice"),
        "promotion": _("promotion"),
        "scraping": _("scraping"),
        "inappropriate": _("inappropriate"),
        "off_topic": _("off-topic"),
        "other": _("other"),
        "new_member": _("new member's first posts"),
    }
    return labels.get(reason, reason)


@dataclass(frozen=True, slots=True)
class Transition:
    from_statuses: frozenset[str]
    to_status: str
    roles: frozenset[Role]


_DECIDABLE = frozenset({ReviewStatus.PENDING})
_DECIDED = frozenset({ReviewStatus.APPROVED, ReviewStatus.REJECTED, ReviewStatus.IGNORED})
_STAFF = frozenset(STAFF)

# The whole permission table of the queue; anything not here is refused.
TRANSITIONS: dict[str, Transition] = {
    "approve": Transition(_DECIDABLE, ReviewStatus.APPROVED, _STAFF),
    "reject": Transition(_DECIDABLE, ReviewStatus.REJECTED, _STAFF),
    "ignore": Transition(_DECIDABLE, ReviewStatus.IGNORED, _STAFF),
    "reopen": Transition(_DECIDED, ReviewStatus.PENDING, _STAFF),
}
# After these, the target's fate is decided again from all its items (targets.settle).
SETTLING_ACTIONS = frozenset({"approve", "reject", "ignore"})


def flag_score(user: User) -> float:
    """Staff flags weigh more than clinicians', clinicians' more than members'."""
    if user.is_staff:
        return 2.0
    if user.has_role(Role.CLINICIAN):
        return 1.5
    return 1.0


def allowed_actions(user: User | None, item: ReviewItem) -> list[str]:
    if user is None:
        return []
    return [
        name
        for name, t in TRANSITIONS.items()
        if item.status in t.from_statuses and user.has_role(*t.roles)
    ]


# ---- opening ---------------------------------------------------------------------------

_ADD_HISTORY = insert(table_of(ReviewHistory))
_ADD_FLAG = insert(table_of(Flag))


async def open_review(
    db: AsyncSession,
    *,
    target_type: str,
    target_id: int,
    reason: str,
    author_id: int | None,
    excerpt: str,
    community_id: int | None = None,
    flagger_id: int | None = None,
    score: float = 1.0,
    note: str = "",
) -> ReviewItem:
    """Add a scored reason to the item for (target, reason), creating or reopening it."""
    item, _newly_open = await open_or_join_review(
        db, target_type=target_type, target_id=target_id, reason=reason, author_id=author_id,
        excerpt=excerpt, community_id=community_id, flagger_id=flagger_id, score=score,
        note=note)
    return item


_ITEM_FIELDS = ("target_type", "target_id", "reason", "priority", "author_id", "community_id",
                "excerpt", "score")


@functools.cache
def _open_item_statement(dialect: str) -> Executable:
    """The item's insert, built once per database (not built and keyed again per item)."""
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (make(_ITEMS).values({name: bindparam(name) for name in _ITEM_FIELDS})
            .on_conflict_do_nothing().returning(*_ITEMS.c))


_ITEMS = table_of(ReviewItem)
_ITEM_COLUMNS = tuple(column.key for column in _ITEMS.c)


def _created_item(db: AsyncSession, row: tuple[Any, ...]) -> ReviewItem:
    """The item an insert returned, in the session as if it had been loaded (no ORM load)."""
    item = ReviewItem(**dict(zip(_ITEM_COLUMNS, row, strict=True)))
    make_transient_to_detached(item)
    db.add(item)
    return item


async def open_or_join_review(
    db: AsyncSession,
    *,
    target_type: str,
    target_id: int,
    reason: str,
    author_id: int | None,
    excerpt: str,
    community_id: int | None = None,
    flagger_id: int | None = None,
    score: float = 1.0,
    note: str = "",
) -> tuple[ReviewItem, bool]:
    """`open_review`, also telling whether the item waits anew (created or reopened) rather
    than being joined while it was pending."""
    # One statement creates the item; an item already there (or opened meanwhile by another
    # transaction) makes it insert nothing, and it is read instead.
    # Through the driver (`write_rows`): SQLAlchemy's ORM path cost more than the insert.
    created = await write_rows(db, _open_item_statement(db.get_bind().dialect.name), {
        "target_type": target_type, "target_id": target_id, "reason": reason,
        "priority": priority_for(reason, target_type), "author_id": author_id,
        "community_id": community_id, "excerpt": excerpt[:2000], "score": score})
    if created:
        item = _created_item(db, created[0])
        # Rows nobody reads back in this request: written with the next statement.
        await write_later(db, _ADD_HISTORY, {
            "item_id": item.id, "actor_id": flagger_id, "action": "opened",
            "to_status": ReviewStatus.PENDING.value, "note": note[:MAX_NOTE]})
        await write_later(db, _ADD_FLAG, {
            "item_id": item.id, "flagger_id": flagger_id, "reason": reason,
            "note": note[:MAX_NOTE], "score": score})
        await audit.record(
            db,
            "review.opened",
            actor_id=flagger_id,
            target_type="review_item",
            target_id=item.id,
            detail={"target": f"{target_type}:{target_id}", "reason": reason},
        )
        return item, True
    existing = await find_item(db, target_type, target_id, reason)
    assert existing is not None
    item = existing
    newly_open = not item.is_pending
    if flagger_id is None and item.is_pending and item.excerpt == excerpt[:2000]:
        # The same text saved again while it waits: nothing new for a moderator.
        return item, False
    if excerpt:
        item.excerpt = excerpt[:2000]
    if not item.is_pending:
        await transition(
            db,
            item,
            "reopened",
            ReviewStatus.PENDING,
            flagger_id,
            note or _("New content or a new report."),
        )
        item.opened_at = utcnow()
    db.add(
        Flag(
            item_id=item.id, flagger_id=flagger_id, reason=reason, note=note[:MAX_NOTE], score=score
        )
    )
    item.score = (item.score or 0.0) + score
    await db.flush()
    return item, newly_open


async def find_item(
    db: AsyncSession, target_type: str, target_id: int, reason: str
) -> ReviewItem | None:
    return await db.scalar(
        select(ReviewItem).where(
            ReviewItem.target_type == target_type,
            ReviewItem.target_id == target_id,
            ReviewItem.reason == reason,
        )
    )


async def flag(
    db: AsyncSession,
    flagger: User,
    *,
    target_type: str,
    target_id: int,
    reason: str,
    note: str = "",
    mailer: Any | None = None,
    base_url: str = "",
) -> ReviewItem:
    """A member reports content or a person; one flag per person per item counts. A report
    of a crisis alerts the moderators like screening does."""
    if reason not in FLAG_REASONS:
        raise DomainError(_("Choose a reason for the report."))
    if target_type not in targets.FLAGGABLE:
        raise DomainError(_("This cannot be reported."))
    if reason == "other" and not note.strip():
        raise DomainError(_("Say briefly what is wrong."))
    info = await targets.load(db, target_type, target_id)
    if info is None:
        raise NotFound(_("There is nothing to report here."))
    item_reason = FLAG_REASONS[reason]
    existing = await find_item(db, target_type, target_id, item_reason)
    newly_open = existing is None or not existing.is_pending
    if (
        existing is not None
        and existing.is_pending
        and await db.scalar(
            select(Flag.id).where(Flag.item_id == existing.id, Flag.flagger_id == flagger.id)
        )
    ):
        return existing
    item = await open_review(
        db,
        target_type=target_type,
        target_id=target_id,
        reason=item_reason,
        author_id=info.author_id,
        excerpt=info.excerpt,
        community_id=info.community_id,
        flagger_id=flagger.id,
        score=flag_score(flagger),
        note=note.strip(),
    )
    await audit.record(
        db,
        "review.flagged",
        actor_id=flagger.id,
        target_type="review_item",
        target_id=item.id,
        detail={"reason": reason},
    )
    if item_reason == "urgent" and newly_open:
        await alert_moderators(db, item, mailer, base_url)
    return item


# ---- deciding --------------------------------------------------------------------------


async def perform(
    db: AsyncSession,
    actor: User,
    item_id: int,
    action: str,
    expected_version: int,
    note: str = "",
) -> ReviewItem:
    """Apply `action` to the item when the actor's role allows it and nobody acted first."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise DomainError(_("Unknown action."))
    item = await db.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(_("No such review item."))
    if not actor.has_role(*rule.roles):
        raise NotAllowed(_("Your role cannot do this."))
    if item.version != expected_version or item.status not in rule.from_statuses:
        raise Conflict(_("Someone else decided this item first. Look again."))
    await transition(
        db, item, action, rule.to_status, actor.id, note, expected_version=expected_version
    )
    if action in SETTLING_ACTIONS:
        await targets.settle(db, item.target_type, item.target_id, actor.id)
    if action == "reject" and item.author_id is not None and item.target_type != "user":
        await notify_user(
            db,
            item.author_id,
            "moderation",
            _("A moderator decided your content stays hidden. You can ask them to look again."),
            f"/moderation/items/{item.id}/appeal",
        )
    return item


# Reasons an edit that screens clean really does answer; everything else needs a person.
RESOLVED_BY_EDIT = ("identifying", "clinician_advice", "promotion", "advice_request")


async def resolve_for_target(
    db: AsyncSession, target_type: str, target_id: int, *, actor_id: int | None, note: str
) -> bool:
    """Approve the pending screening items of a target whose author fixed it; history says
    why. A crisis item and members' flags always wait for a person: True when any item is
    still pending (the target stays held)."""
    items = list(await db.scalars(
        select(ReviewItem).where(ReviewItem.target_type == target_type,
                                 ReviewItem.target_id == target_id,
                                 ReviewItem.status == ReviewStatus.PENDING,
                                 ReviewItem.reason.in_(RESOLVED_BY_EDIT))
    ))
    for item in items:
        await transition(db, item, "resolved_by_edit", ReviewStatus.APPROVED, actor_id, note)
    return await db.scalar(
        select(ReviewItem.id).where(ReviewItem.target_type == target_type,
                                    ReviewItem.target_id == target_id,
                                    ReviewItem.status == ReviewStatus.PENDING).limit(1)
    ) is not None


async def transition(
    db: AsyncSession,
    item: ReviewItem,
    action: str,
    to_status: str,
    actor_id: int | None,
    note: str,
    *,
    expected_version: int | None = None,
) -> None:
    """Move the item with a compare-and-set on its version, then write history and audit."""
    version = item.version if expected_version is None else expected_version
    now = utcnow()
    values: dict[str, object] = {
        "status": to_status,
        "version": version + 1,
        "updated_at": now,
        "decided_at": None if to_status == ReviewStatus.PENDING else now,
    }
    result = await db.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.version == version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_("Someone else decided this item first. Look again."))
    from_status = item.status
    await db.refresh(item)
    db.add(
        ReviewHistory(
            item_id=item.id,
            actor_id=actor_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note[:MAX_NOTE],
        )
    )
    await audit.record(
        db,
        f"review.{action}",
        actor_id=actor_id,
        target_type="review_item",
        target_id=item.id,
        detail={
            "target": f"{item.target_type}:{item.target_id}",
            "reason": item.reason,
            "from": from_status,
            "to": to_status,
        },
    )
    await db.flush()


async def appeal(db: AsyncSession, user: User, item_id: int, text: str) -> ReviewItem:
    """The author asks again; a rejected item goes back to the queue with the appeal."""
    item = await db.get(ReviewItem, item_id)
    if item is None or item.author_id != user.id:
        raise NotFound(_("No such review item."))
    text = text.strip()
    if not text:
        raise DomainError(_("Say why the decision should change."))
    if item.status != ReviewStatus.REJECTED:
        raise Conflict(_("Only a decision against your content can be appealed."))
    db.add(Appeal(item_id=item.id, user_id=user.id, text=text[:MAX_NOTE]))
    await transition(db, item, "appealed", ReviewStatus.PENDING, user.id, text)
    item.opened_at = utcnow()
    await db.flush()
    return item


# ---- reading ---------------------------------------------------------------------------


def queue_statement(status: str = ReviewStatus.PENDING) -> Select[ReviewItem]:
    """Crisis first, then by priority, then oldest first."""
    return (
        select(ReviewItem)
        .where(ReviewItem.status == status)
        .order_by(ReviewItem.priority.desc(), ReviewItem.opened_at, ReviewItem.id)
    )


async def queue_page(db: AsyncSession, status: str, limit: int = 100) -> list[ReviewItem]:
    return list(await db.scalars(queue_statement(status).limit(limit)))


async def next_in_queue(db: AsyncSession, *, exclude: int) -> int | None:
    """The id of the first pending item in queue order, other than `exclude`."""
    return await db.scalar(
        queue_statement(ReviewStatus.PENDING).where(ReviewItem.id != exclude)
        .with_only_columns(ReviewItem.id).limit(1)
    )


async def locales_of(db: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await db.execute(select(User.id, User.locale).where(User.id.in_(wanted)))
    return {row.id: row.locale for row in rows}


async def item_with_history(db: AsyncSession, item_id: int) -> ReviewItem | None:
    return await db.scalar(
        select(ReviewItem)
        .where(ReviewItem.id == item_id)
        .options(
            selectinload(ReviewItem.flags),
            selectinload(ReviewItem.history),
            selectinload(ReviewItem.appeals),
        )
    )


async def people_by_id(db: AsyncSession, ids: set[int | None]) -> dict[int, User]:
    """The people with these ids, for pages that link each name to the person's page
    (`partials/people.html`; a former member stays unlinked)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {person.id: person for person in await db.scalars(
        select(User).where(User.id.in_(wanted)))}


async def usernames(db: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await db.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {row.id: row.username for row in rows}


async def items_by_author(db: AsyncSession, author_id: int) -> list[ReviewItem]:
    return list(
        await db.scalars(
            select(ReviewItem)
            .where(ReviewItem.author_id == author_id)
            .options(selectinload(ReviewItem.history))
            .order_by(ReviewItem.id.desc())
            .limit(200)
        )
    )


async def pending_count(db: AsyncSession) -> int:
    return int(
        await db.scalar(
            select(func.count())
            .select_from(ReviewItem)
            .where(ReviewItem.status == ReviewStatus.PENDING)
        )
        or 0
    )


# ---- people: notes and penalties ------------------------------------------------------------


async def add_note(db: AsyncSession, actor: User, subject: User, text: str) -> ModeratorNote:
    text = text.strip()
    if not text:
        raise DomainError(_("Write the note first."))
    note = ModeratorNote(subject_user_id=subject.id, author_id=actor.id, text=text[:MAX_NOTE])
    db.add(note)
    await db.flush()
    await audit.record(
        db,
        "moderator_note.added",
        actor_id=actor.id,
        target_type="user",
        target_id=subject.id,
        detail={"note_id": note.id},
    )
    return note


def may_penalise(actor: User, subject: User) -> bool:
    """Moderators act on members; only admins act on staff; nobody on themselves."""
    if actor.id == subject.id or not actor.is_staff:
        return False
    return actor.has_role(Role.ADMIN) or not subject.is_staff


async def issue_penalty(
    db: AsyncSession,
    runtime: Runtime,
    actor: User,
    subject: User,
    *,
    kind: str,
    days: int | None,
    reason: str,
) -> Penalty:
    """Silence (cannot post) or suspend (signed out, cannot sign in) a person."""
    if not may_penalise(actor, subject):
        raise NotAllowed(_("You cannot penalise this person."))
    if kind not in {k.value for k in PenaltyKind}:
        raise DomainError(_("Unknown penalty."))
    if not reason.strip():
        raise DomainError(_("Give the reason; the person will be told."))
    if days is not None and not 1 <= days <= MAX_PENALTY_DAYS:
        raise DomainError(_("Choose between 1 and 3650 days, or no end."))
    until = utcnow() + timedelta(days=days) if days else None
    penalty = Penalty(
        user_id=subject.id,
        kind=kind,
        until=until,
        reason=reason.strip()[:MAX_NOTE],
        issued_by_id=actor.id,
    )
    db.add(penalty)
    if kind == PenaltyKind.SUSPEND:
        subject.is_active = False
        await runtime.sessions.revoke_all(subject.id, db=db)
    await db.flush()
    await audit.record(
        db,
        f"penalty.{kind}",
        actor_id=actor.id,
        target_type="user",
        target_id=subject.id,
        detail={"penalty_id": penalty.id, "until": until, "reason": reason.strip()},
    )
    return penalty


async def lift_penalty(db: AsyncSession, actor: User | None, penalty: Penalty) -> None:
    """End a penalty early (a person's decision); a suspended person may sign in again."""
    if penalty.lifted_at is not None:
        return
    penalty.lifted_at = utcnow()
    penalty.lifted_by_id = actor.id if actor else None
    if penalty.kind == PenaltyKind.SUSPEND:
        still = await active_penalties(db, penalty.user_id, kind=PenaltyKind.SUSPEND)
        if not [p for p in still if p.id != penalty.id]:
            subject = await db.get_one(User, penalty.user_id)
            subject.is_active = True
    await db.flush()
    await audit.record(
        db,
        f"penalty.{penalty.kind}_lifted",
        actor_id=actor.id if actor else None,
        target_type="user",
        target_id=penalty.user_id,
        detail={"penalty_id": penalty.id},
    )


def _suspension_over(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Filters for accounts still turned off although a suspension of them has run out and
    none is still running (open-ended or with an end to come)."""
    suspensions = select(Penalty.user_id).where(
        Penalty.kind == PenaltyKind.SUSPEND, Penalty.lifted_at.is_(None)
    )
    ended = suspensions.where(Penalty.until.is_not(None), Penalty.until <= now)
    running = suspensions.where(Penalty.until.is_(None) | (Penalty.until > now))
    return (User.is_active.is_(False), User.deleted_at.is_(None),
            User.id.in_(ended), User.id.not_in(running))


async def any_suspension_over(db: AsyncSession, now: datetime | None = None) -> bool:
    """A cheap read for the periodic job: has anyone's suspension run out unnoticed?"""
    over = _suspension_over(now or utcnow())
    return await db.scalar(select(User.id).where(*over).limit(1)) is not None


async def end_expired_suspensions(db: AsyncSession, now: datetime | None = None) -> int:
    """Let people whose every suspension has run out sign in again; returns how many.

    A suspension turns the account off (the core then refuses sign-in and drops sessions).
    When its time is up nobody lifted it, so the penalty keeps `lifted_at` empty and the
    record shows it ended at `until`; only the account is turned back on. Deleted accounts
    and people with a suspension still running stay off. Safe to run from several
    processes at once: the conditional update reopens an account, and audits it, once.
    """
    over = _suspension_over(now or utcnow())
    user_ids = list(await db.scalars(select(User.id).where(*over).order_by(User.id)))
    return await _reopen(db, user_ids, over)


async def end_expired_suspension_of(db: AsyncSession, user_id: int) -> bool:
    """Sign-in's check, so nobody waits for the periodic pass: turn this account back on
    if every suspension of it has run out (the same rule as end_expired_suspensions)."""
    return await _reopen(db, [user_id], _suspension_over(utcnow())) == 1


async def _reopen(db: AsyncSession, user_ids: list[int],
                  over: tuple[ColumnElement[bool], ...]) -> int:
    reopened = 0
    for user_id in user_ids:
        result = await db.execute(
            update(User).where(User.id == user_id, *over).values(is_active=True)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        reopened += 1
        await audit.record(db, "penalty.suspend_ended", actor_id=None, target_type="user",
                           target_id=user_id)
    return reopened


def _in_force(
    user_id: int | ColumnElement[int] | InstrumentedAttribute[int],
    now: datetime | ColumnElement[datetime] | None = None,
) -> tuple[ColumnElement[bool], ...]:
    """The penalties of `user_id` in force at `now` (not lifted, not run out)."""
    return (Penalty.user_id == user_id, Penalty.lifted_at.is_(None),
            (Penalty.until.is_(None)) | (Penalty.until > (utcnow() if now is None else now)))


async def active_penalties(
    db: AsyncSession, user_id: int, *, kind: str | None = None
) -> list[Penalty]:
    statement = select(Penalty).where(*_in_force(user_id))
    if kind:
        statement = statement.where(Penalty.kind == kind)
    return list(await db.scalars(statement))


def posting_allowed(user_id: ColumnElement[int],
                    now: ColumnElement[datetime]) -> ColumnElement[bool]:
    """For the core, as SQL: may the person `user_id` write anything visible to others at
    `now`? An active account with no penalty in force (the rule `can_post` asks)."""
    return exists().where(
        User.id == user_id, User.is_active.is_(True), User.deleted_at.is_(None),
        ~exists().where(*_in_force(User.id, now)))


@functools.cache
def _can_post_statement() -> Select[tuple[bool]]:
    return select(posting_allowed(bindparam("user_id"),
                                  bindparam("now", type_=Penalty.until.type)))


async def can_post(db: AsyncSession, user_id: int) -> bool:
    """For the core: may this person write anything visible to others right now? (One
    statement, built once: `posting_allowed`.)"""
    return bool(await db.scalar(_can_post_statement(), {"user_id": user_id, "now": utcnow()}))


async def person_record(
    db: AsyncSession, user_id: int
) -> tuple[list[ModeratorNote], list[Penalty]]:
    notes = list(
        await db.scalars(
            select(ModeratorNote)
            .where(ModeratorNote.subject_user_id == user_id)
            .order_by(ModeratorNote.id.desc())
        )
    )
    penalties = list(
        await db.scalars(
            select(Penalty).where(Penalty.user_id == user_id).order_by(Penalty.id.desc())
        )
    )
    return notes, penalties


# ---- notifying ---------------------------------------------------------------------------


async def notify_user(db: AsyncSession, user_id: int, kind: str, text: str, link: str) -> bool:
    """An in-site notification."""
    await notify(db, user_id, kind, text=text, link=link)
    return True


async def staff_to_alert(db: AsyncSession) -> list[User]:
    """Moderators and admins on duty: every active staff account."""
    staff_ids = select(UserRole.user_id).where(UserRole.role.in_([r.value for r in STAFF]))
    return list(await db.scalars(
        select(User).where(User.id.in_(staff_ids), User.is_active.is_(True),
                           User.deleted_at.is_(None)).order_by(User.id)))


async def alert_moderators(
    db: AsyncSession, item: ReviewItem, mailer: Any | None = None, base_url: str = ""
) -> int:
    """Someone may be in crisis: every moderator and admin is told in the site and, when a
    mailer is given, by e-mail (the outbox or SMTP); once per new crisis item."""
    people = await staff_to_alert(db)
    link = f"/moderation/items/{item.id}"
    for person in people:
        await notify_user(db, person.id, "moderation",
                          _("Someone may be in crisis: a post needs a moderator now."), link)
        if mailer is not None and person.email:
            try:
                await mailer.send(
                    person.email,
                    _("Kindred: someone may be in crisis"),
                    _("A text was screened or reported as a possible crisis and is waiting "
                      "for a moderator. Open it: %(url)s") % {"url": f"{base_url}{link}"},
                )
            except OSError:
                # The in-site alert stands; a mail server being down must not lose the post.
                logging.getLogger(__name__).exception("crisis alert e-mail not sent")
    return len(people)
