"""A reply is read, checked, screened and rendered before its write transaction, and written
in a short one (issue 18): whatever changes between the two is checked again with the writes.

Each test changes something in the gap, from another connection, exactly between the read
phase (`prepare_reply`) and the write phase, and the reply must answer as if the change had
come first. On SQLite the change could not even be written if the read phase held the
write lock (it would wait for the request that waits for it)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit, sqlite_driver
from community.accounts.models import FormReceipt, Role, User
from community.audit import AuditEntry
from community.communities import services
from community.communities.models import Membership, Post, PostStatus, PostVersion, Thread
from community.db import intent
from community.notifications.models import Follow
from community.settings import Settings
from moderation.queue.models import Flag, ReviewHistory, ReviewItem
from moderation.queue.services import issue_penalty
from moderation.queue.sink import QueueReviewSink
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    scalar,
    seed,
    start_thread,
)
from tests.forms import form_posting_to
from tests.helpers import Visitor

Change = Callable[[AsyncSession], Awaitable[None]]


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    # One published post is enough to be past the first-posts rule.
    return make_settings(premoderate_first_posts=1)


def change_between_phases(monkeypatch: pytest.MonkeyPatch, change: Change) -> list[bool]:
    """Make `change` (committed in a write transaction of its own) land after the reply's
    read phase and before its write phase. Returns, per reply, whether SQLite's write lock
    of this process was free while the reply was being prepared."""
    prepare = services.prepare_reply
    lock_was_free: list[bool] = []

    async def prepare_then_change(db: AsyncSession, runtime: Any, *args: Any) -> Any:
        prepared = await prepare(db, runtime, *args)
        database = runtime.engine.url.database
        if runtime.engine.dialect.name == "sqlite" and database:
            lock_was_free.append(not sqlite_driver.writer_lock(database).locked())
        with intent(write=True):
            async with runtime.sessionmaker() as other, other.begin():
                await change(other)
        return prepared

    monkeypatch.setattr(services, "prepare_reply", prepare_then_change)
    return lock_was_free


def posts_saying(visitor: Visitor, text: str) -> list[tuple[str]]:
    return list(db_run(visitor, lambda db: _statuses(db, text)))


async def _statuses(db: AsyncSession, text: str) -> list[tuple[str]]:
    return [(status,) for status in await db.scalars(
        select(Post.status).where(Post.body == text))]


@pytest.fixture
def thread_and_writer(new_visitor: Callable[[], Visitor]) -> tuple[int, Visitor, Visitor]:
    """A thread in migraine started by a member, a writer past the first-posts rule, and a
    moderator."""
    moderator = person(new_visitor, "phase_mod", role=Role.MODERATOR)
    seed(moderator)
    starter = person(new_visitor, "phase_starter", joins=("migraine",))
    writer = person(new_visitor, "phase_writer", joins=("migraine",))
    thread_id = start_thread(starter, "migraine", "Cold packs?", "Do cold packs help anyone?")
    # Both first posts wait for a moderator (the first-posts rule); a moderator lets them out.
    db_run(moderator, _publish_everything)
    earlier = writer.post(f"/threads/{thread_id}/replies", {"body": "Mine live in the freezer."})
    assert earlier.status_code == 303
    db_run(moderator, _publish_everything)
    return thread_id, writer, moderator


async def _publish_everything(db: AsyncSession) -> None:
    await db.execute(update(Post).values(status=PostStatus.PUBLISHED.value))
    await db.execute(update(Thread).values(status=PostStatus.PUBLISHED.value))


def test_a_penalty_given_while_the_reply_was_prepared_refuses_it(
    thread_and_writer: tuple[int, Visitor, Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    thread_id, writer, _moderator = thread_and_writer

    async def silence(db: AsyncSession) -> None:
        moderator = await db.scalar(select(User).where(User.username == "phase_mod"))
        subject = await db.scalar(select(User).where(User.username == "phase_writer"))
        await issue_penalty(db, writer.app.state.runtime, moderator, subject, kind="silence",
                            days=3, reason="promotion")

    lock_was_free = change_between_phases(monkeypatch, silence)
    answer = writer.post(f"/threads/{thread_id}/replies", {"body": "Buy my cold packs"})
    assert answer.status_code == 403
    assert "penalty" in answer.text
    assert posts_saying(writer, "Buy my cold packs") == []
    if writer.app.state.runtime.engine.dialect.name == "sqlite":
        assert lock_was_free == [True], "the read phase held SQLite's write lock"


def test_a_thread_held_while_the_reply_was_prepared_refuses_it(
    thread_and_writer: tuple[int, Visitor, Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    thread_id, writer, _moderator = thread_and_writer

    async def hold_thread(db: AsyncSession) -> None:
        await db.execute(update(Thread).where(Thread.id == thread_id)
                         .values(status=PostStatus.PENDING.value))

    change_between_phases(monkeypatch, hold_thread)
    answer = writer.post(f"/threads/{thread_id}/replies", {"body": "Into a held thread"})
    assert answer.status_code == 404  # as had the hold come first: a held thread is hidden
    assert posts_saying(writer, "Into a held thread") == []


def test_leaving_the_community_while_the_reply_was_prepared_refuses_it(
    thread_and_writer: tuple[int, Visitor, Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    thread_id, writer, _moderator = thread_and_writer

    async def leave(db: AsyncSession) -> None:
        writer_id = await db.scalar(select(User.id).where(User.username == "phase_writer"))
        membership = await db.scalar(select(Membership).where(Membership.user_id == writer_id))
        await db.delete(membership)

    change_between_phases(monkeypatch, leave)
    answer = writer.post(f"/threads/{thread_id}/replies", {"body": "After I left"})
    assert answer.status_code == 403
    assert posts_saying(writer, "After I left") == []


def test_a_post_removed_while_the_reply_was_prepared_brings_back_the_first_posts_rule(
    thread_and_writer: tuple[int, Visitor, Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Screened past the rule (one published post), but that post was removed before the
    write: the reply is held for a moderator, as it would have been had the removal come
    first."""
    thread_id, writer, _moderator = thread_and_writer

    async def remove_earlier_post(db: AsyncSession) -> None:
        await db.execute(update(Post).where(Post.body == "Mine live in the freezer.")
                         .values(status=PostStatus.REMOVED.value))

    change_between_phases(monkeypatch, remove_earlier_post)
    answer = writer.post(f"/threads/{thread_id}/replies", {"body": "Cold on the neck helps."})
    assert answer.status_code == 303
    assert posts_saying(writer, "Cold on the neck helps.") == [(PostStatus.PENDING.value,)]


def test_without_a_change_the_reply_is_published_and_counted(
    thread_and_writer: tuple[int, Visitor, Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The control for the tests above: the same reply with nothing changed in the gap."""
    thread_id, writer, _moderator = thread_and_writer

    async def nothing(_db: AsyncSession) -> None:
        return None

    change_between_phases(monkeypatch, nothing)
    counted = select(Thread.reply_count).where(Thread.id == thread_id)
    before = scalar(writer, counted)
    answer = writer.post(f"/threads/{thread_id}/replies", {"body": "Cold on the neck helps."})
    assert answer.status_code == 303
    assert posts_saying(writer, "Cold on the neck helps.") == [(PostStatus.PUBLISHED.value,)]
    assert scalar(writer, counted) == before + 1


def test_a_reply_sent_twice_is_written_once_whichever_way_it_answers(
    thread_and_writer: tuple[int, Visitor, Visitor],
) -> None:
    """The form's receipt is claimed in the write phase: a repeat of a redirected reply goes
    where the first went; a repeat of an htmx reply (answered in place, no address) is
    refused as already sent."""
    thread_id, writer, _moderator = thread_and_writer
    page = writer.get(f"/threads/{thread_id}").text
    data = form_posting_to(page, f"/threads/{thread_id}/replies").values(body="Twice, once.")
    writer._use_jar()
    answers = [writer.client.post(f"/threads/{thread_id}/replies", data=data,
                                  follow_redirects=False) for _ in range(2)]
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert posts_saying(writer, "Twice, once.") == [(PostStatus.PUBLISHED.value,)]

    page = writer.get(f"/threads/{thread_id}").text
    data = form_posting_to(page, f"/threads/{thread_id}/replies").values(body="In place.")
    headers = {"HX-Request": "true", "X-CSRFToken": writer.csrf()}
    writer._use_jar()
    answers = [writer.client.post(f"/threads/{thread_id}/replies", data=data, headers=headers,
                                  follow_redirects=False) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 409]
    assert posts_saying(writer, "In place.") == [(PostStatus.PUBLISHED.value,)]


def _kind(statement: str) -> str:
    """`INSERT post`, `SELECT thread`, `COMMIT`...: what a statement does, to what."""
    words = re.sub(r"\s+", " ", statement).strip().split(" ")
    verb = words[0].upper()
    if verb in {"INSERT", "DELETE"}:
        return f"{verb} {words[2]}"
    if verb == "UPDATE":
        return f"{verb} {words[1]}"
    if verb == "SELECT":  # the outermost FROM, not a subquery's
        depth = 0
        for word, following in itertools.pairwise(words):
            if word == "FROM" and depth == 0:
                return f"SELECT {following}"
            depth += word.count("(") - word.count(")")
    return " ".join(words[:2]) if verb == "BEGIN" else verb


_JOINED_CLAUSE = re.compile(r"(?:AS \(|\) )((?:INSERT INTO|UPDATE|DELETE FROM) \w+)")


def test_a_held_reply_writes_its_rows_in_few_statements(
    new_visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new member's reply, held for a moderator: its write phase sends the re-checks and the
    inserts whose ids it needs through SQLAlchemy, and the rows nobody reads back (the
    version, the review item's history and flag, the audit entry, the follow, the draft, the
    receipt's location) with the statement or commit that follows them (on SQLite in its
    trip; on PostgreSQL joined in few statements). Everything is stored as before, the
    audit chain intact."""
    thread_id = _thread_to_reply_to(new_visitor)
    newcomer = person(new_visitor, "phase_newcomer", joins=("migraine",))
    newcomer.app.state.runtime.review_sink = QueueReviewSink()
    engine = newcomer.app.state.runtime.engine
    # (driver connection, statement): the app's background writes use other connections.
    sent: list[tuple[int, str]] = []
    later: list[tuple[int, str]] = []

    statements: list[tuple[int, str]] = []  # one a round trip, as `sent` before the split

    def record(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("WITH "):
            # Rows written together (PostgreSQL, community.pg_batch): each clause's kind; the
            # statement is known by its last, whose rows it returns.
            clauses = [_kind(clause) for clause in _JOINED_CLAUSE.findall(statement)]
            statements.append((id(conn.connection.driver_connection), f"WITH {clauses[-1]}"))
            sent.extend((id(conn.connection.driver_connection), kind) for kind in clauses)
            return
        statements.append((id(conn.connection.driver_connection), _kind(statement)))
        sent.append((id(conn.connection.driver_connection), _kind(statement)))

    defer = sqlite_driver.OneTripConnection.defer
    defer_work = sqlite_driver.OneTripConnection.defer_work
    defer_read = sqlite_driver.OneTripConnection.defer_read

    def deferred(self: Any, sql: str, parameters: Any) -> None:
        later.append((id(self), _kind(sql)))
        defer(self, sql, parameters)

    def deferred_work(self: Any, work: Any) -> None:
        later.append((id(self), "(read, then written, in the thread)"))
        defer_work(self, work)

    def deferred_read(self: Any, sql: str, parameters: Any) -> Any:
        later.append((id(self), _kind(sql)))
        return defer_read(self, sql, parameters)

    monkeypatch.setattr(sqlite_driver.OneTripConnection, "defer", deferred)
    monkeypatch.setattr(sqlite_driver.OneTripConnection, "defer_read", deferred_read)
    monkeypatch.setattr(sqlite_driver.OneTripConnection, "defer_work", deferred_work)
    page = newcomer.get(f"/threads/{thread_id}").text
    data = form_posting_to(page, f"/threads/{thread_id}/replies").values(body="Ice, always.")
    later.clear()
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        answer = newcomer.post(f"/threads/{thread_id}/replies", data)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert answer.status_code == 303
    replying = next(connection for connection, kind in sent if kind == "INSERT review_item")
    ours = [kind for connection, kind in sent if connection == replying]
    written_later = ["INSERT post_version", "INSERT review_history", "INSERT review_flag",
                     "INSERT audit_entry", "UPDATE audit_head", "INSERT follow",
                     "DELETE reply_draft", "UPDATE form_receipt"]
    write_phase = ours[ours.index("INSERT form_receipt"):]
    # The thread is read again with the penalty check in the same statement (moderation's
    # `posting_allowed` condition): no `SELECT user_account` of its own.
    needed = ["INSERT form_receipt", "SELECT thread", "INSERT post", "INSERT review_item",
              "SELECT audit_head"]
    if engine.dialect.name == "sqlite":
        # Each statement sent is one trip to the connection's thread; the transactions'
        # BEGIN, the switch to writing and the rows written later travel with them, and so
        # does the audit entry: its head read, the entry and the head's move.
        # (The pool may lend the connection to a background write just before or after.)
        # The re-check goes with the receipt's claim, and reads the post's id under the
        # write lock, so the post itself goes with the review item: three trips under the
        # lock with the commit (the listeners hear the re-check when it is sent).
        needed.remove("SELECT audit_head")
        audited = written_later.index("INSERT audit_entry")
        written_later[audited:audited + 2] = ["(read, then written, in the thread)"]
        needed = ["SELECT thread", "INSERT form_receipt", "INSERT review_item"]
        begun = max(n for n, kind in enumerate(ours[:ours.index("INSERT review_item")])
                    if kind == "SELECT user_session")
        assert ours[begun:begun + 2 + len(needed)] == ["SELECT user_session", "SELECT thread",
                                                       *needed]
        assert "SELECT audit_head" not in ours
        assert "INSERT post" not in ours
        ours_later = [kind for connection, kind in later if connection == replying]
        ended = ours_later.index("UPDATE form_receipt") + 1  # then the commit
        assert ours_later[:ended] == ["BEGIN", "COMMIT", "BEGIN IMMEDIATE", "SELECT thread",
                                      "INSERT post", *written_later]
    else:
        assert [s for s in write_phase if s not in written_later] == needed
        assert sorted(s for s in write_phase if s in written_later) == sorted(written_later)
        # The rows written later wait for the next statement or the commit and go together,
        # as one statement's clauses (in front of the next statement when it may join
        # them): the write phase's round trips are the needed ones and at most one per run
        # of rows between them.
        ours_sent = [kind for connection, kind in statements if connection == replying]
        trips = ours_sent[ours_sent.index("INSERT form_receipt"):]
        last_of_each = [s.removeprefix("WITH ") for s in trips]
        assert [s for s in last_of_each if s not in written_later] == needed
        assert any(s.startswith("WITH ") for s in trips)
        assert len(needed) <= len(trips) < len(needed) + len(written_later)
        assert len(trips) - len(needed) <= len(needed)

    assert posts_saying(newcomer, "Ice, always.") == [(PostStatus.PENDING.value,)]
    stored = db_run(newcomer, lambda db: _held_reply_rows(db, "Ice, always."))
    assert stored == {"versions": [(1, "Ice, always.")], "reviews": [("new_member", "pending")],
                      "history": ["opened"], "flags": ["new_member"], "follows": 1,
                      "location": answer.headers["location"], "audit": (True, "review.opened")}


def _thread_to_reply_to(new_visitor: Callable[[], Visitor]) -> int:
    moderator = person(new_visitor, "held_mod", role=Role.MODERATOR)
    seed(moderator)
    starter = person(new_visitor, "held_starter", joins=("migraine",))
    thread_id = start_thread(starter, "migraine", "Ice or heat?", "Which helps you more?")
    db_run(moderator, _publish_everything)
    return thread_id


async def _held_reply_rows(db: AsyncSession, text: str) -> dict[str, Any]:
    post = await db.scalar(select(Post).where(Post.body == text))
    assert post is not None
    item = await db.scalar(select(ReviewItem).where(ReviewItem.target_type == "post",
                                                    ReviewItem.target_id == post.id))
    assert item is not None
    newest = await db.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    return {
        "versions": [(v.version, v.body) for v in await db.scalars(
            select(PostVersion).where(PostVersion.post_id == post.id))],
        "reviews": [(item.reason, item.status)],
        "history": list(await db.scalars(select(ReviewHistory.action).where(
            ReviewHistory.item_id == item.id))),
        "flags": list(await db.scalars(select(Flag.reason).where(Flag.item_id == item.id))),
        "follows": await db.scalar(select(func.count()).select_from(Follow).where(
            Follow.user_id == post.author_id, Follow.target_id == post.thread_id)),
        "location": await db.scalar(select(FormReceipt.location).where(
            FormReceipt.user_id == post.author_id, FormReceipt.location.is_not(None))),
        "audit": ((await audit.verify(db)).ok, newest.action if newest else None),
    }
