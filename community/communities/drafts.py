"""Reply drafts: what a person is writing in a thread, kept on the server between visits.

One draft per (person, thread), written when the reply box changes (htmx) or on "Save
draft", restored when they come back, deleted when they post the reply or empty the box,
and with their account. A draft is private: only its owner's requests ever read it (every
function here takes the owner's id), it is never screened, listed or shown to staff.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import User
from community.communities import access
from community.communities.models import Membership, Post, ReplyDraft, Thread
from community.db import table_of, utcnow, write_later
from community.errors import FormErrors, NotAllowed
from community.i18n import gettext as _
from community.markdown import MAX_BODY_CHARS, clean_text

MAX_DRAFT_CHARS = MAX_BODY_CHARS
MAX_DRAFTS_PER_PERSON = 50
"""A person's oldest drafts beyond this many are dropped when a new one is saved."""


async def draft_of(db: AsyncSession, user_id: int, thread_id: int) -> ReplyDraft | None:
    return await db.get(ReplyDraft, (user_id, thread_id))


async def save_draft(db: AsyncSession, author: User, thread: Thread,
                     membership: Membership | None, body: str) -> ReplyDraft | None:
    """Keep `body` as the person's draft in `thread` (None when there is nothing to keep:
    an empty box, or the text of a reply they already posted there, which a late autosave
    would otherwise bring back). Refused where they may not reply; FormErrors when too long."""
    if not access.can_reply(author, thread, membership):
        raise NotAllowed(_("You cannot reply in this thread."))
    text = clean_text(body)
    if len(text) > MAX_DRAFT_CHARS:
        raise FormErrors({"body": [
            _("This is too long: at most %(max)d characters (you wrote %(n)d).")
            % {"max": MAX_DRAFT_CHARS, "n": len(text)}]})
    if not text.strip() or await db.scalar(select(exists().where(
            Post.thread_id == thread.id, Post.author_id == author.id,
            Post.body == text.strip()))):
        await discard_draft(db, author.id, thread.id)
        return None
    now = utcnow()
    table = cast(Table, ReplyDraft.__table__)
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement: Any = insert(table).values(user_id=author.id, thread_id=thread.id, body=text,
                                          updated_at=now)
    # One statement, so two saves racing (an autosave and "Save draft") never collide.
    await db.execute(statement.on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.thread_id],
        set_={"body": text, "updated_at": now}))
    await _drop_oldest(db, author.id)
    return ReplyDraft(user_id=author.id, thread_id=thread.id, body=text, updated_at=now)


async def _drop_oldest(db: AsyncSession, user_id: int) -> None:
    kept = (select(ReplyDraft.thread_id).where(ReplyDraft.user_id == user_id)
            .order_by(ReplyDraft.updated_at.desc(), ReplyDraft.thread_id.desc())
            .limit(MAX_DRAFTS_PER_PERSON))
    await db.execute(delete(ReplyDraft).where(ReplyDraft.user_id == user_id,
                                              ReplyDraft.thread_id.not_in(kept)))


_DRAFTS = table_of(ReplyDraft)
_DISCARD = delete(_DRAFTS).where(_DRAFTS.c.user_id == bindparam("user_id"),
                                 _DRAFTS.c.thread_id == bindparam("thread_id"))


async def discard_draft(db: AsyncSession, user_id: int, thread_id: int) -> None:
    """Delete the person's draft in the thread (with the transaction's next statement)."""
    await write_later(db, _DISCARD, {"user_id": user_id, "thread_id": thread_id})


async def forget_drafts(db: AsyncSession, user_id: int) -> None:
    """Every draft of a person (their account is being deleted)."""
    await db.execute(delete(ReplyDraft).where(ReplyDraft.user_id == user_id))


async def drafts_of(db: AsyncSession, user_id: int) -> list[tuple[ReplyDraft, str]]:
    """A person's drafts with their threads' titles, newest first (their data archive)."""
    rows = await db.execute(
        select(ReplyDraft, Thread.title).join(Thread, Thread.id == ReplyDraft.thread_id)
        .where(ReplyDraft.user_id == user_id).order_by(ReplyDraft.updated_at.desc()))
    return [(draft, title) for draft, title in rows.tuples()]
