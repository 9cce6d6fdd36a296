"""A reply takes its author as plain values (`Viewer`, read with the session, no ORM object):
its checks, its screening, its mentions and htmx's answer still see who wrote it: their
roles, their name, their username's key, a privilege change since they signed in."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User
from community.communities.models import Post
from community.db import Base
from community.settings import Settings
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    grant,
    person,
    post_status,
    reply,
    scalar,
    seed,
    start_thread,
)
from tests.helpers import Visitor, loaded_objects


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    # One published post before a member's replies are no longer held for review.
    return make_settings(premoderate_first_posts=1)


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> int:
    seed(visitor)
    opener = person(new_visitor, "opener_rv", joins=("epilepsy",), role=Role.MODERATOR)
    return start_thread(opener, "epilepsy", title="Seizures at night")


def test_a_reply_loads_no_orm_object_held_or_published_with_htmx_and_without(
    thread: int, new_visitor: Callable[[], Visitor]
) -> None:
    member = person(new_visitor, "member_rv", joins=("epilepsy",))
    with loaded_objects(Base) as loaded:
        held = reply(member, thread, "Mine come at night too.")
    assert post_status(member, held) == "pending"
    assert loaded == []
    grant(member, "opener_rv", Role.MODERATOR)  # the opener's session was already staff

    async def publish(db: Any) -> None:
        post = await db.get(Post, held)
        post.status = "published"
        await db.commit()

    db_run(member, publish)
    with loaded_objects(Base) as loaded:
        answer = member.post(f"/threads/{thread}/replies", {"body": "A second one, published."},
                             htmx=True)
    assert answer.status_code == 200
    assert "A second one, published." in answer.text and "member_rv" in answer.text
    assert loaded == []


def test_htmx_shows_the_new_card_with_its_author_badge_and_their_own_held_notice(
    thread: int, new_visitor: Callable[[], Visitor]
) -> None:
    clinician = person(new_visitor, "clinician_rv", joins=("epilepsy",), role=Role.CLINICIAN)
    answer = clinician.post(f"/threads/{thread}/replies",
                            {"body": "Keep a seizure diary for your neurologist."}, htmx=True)
    assert answer.status_code == 200
    assert "clinician_rv" in answer.text and 'class="badge verified"' in answer.text
    # Held (a first post): its author sees it waiting, with the form back and the status.
    assert "Waiting for review" in answer.text
    assert 'id="reply-form"' in answer.text and 'id="reply-status"' in answer.text

    patient = person(new_visitor, "patient_rv", joins=("epilepsy",))
    answer = patient.post(f"/threads/{thread}/replies",
                          {"body": "Mine started at 14, I am glad I found you."}, htmx=True)
    assert answer.status_code == 200
    assert "patient_rv" in answer.text and 'class="badge verified"' not in answer.text


def test_a_role_granted_after_sign_in_reaches_the_reply_with_the_session_rotated(
    thread: int, new_visitor: Callable[[], Visitor]
) -> None:
    """A moderator's replies are never premoderated: the role comes from the session's
    statement, read again after the privilege change."""
    member = person(new_visitor, "promoted_rv", joins=("epilepsy",))
    first = reply(member, thread, "Before the role.")
    assert post_status(member, first) == "pending"
    grant(member, "promoted_rv", Role.MODERATOR)
    second = reply(member, thread, "After the role.")
    assert post_status(member, second) == "published"


def test_mentioning_oneself_by_another_case_is_no_mention_and_others_are_told(
    thread: int, new_visitor: Callable[[], Visitor]
) -> None:
    """The author's own name is taken out of the mentions by their username's key, read
    with the session; a name nobody who reads the thread holds is said not to be told."""
    person(new_visitor, "friend_rv", joins=("epilepsy",))
    writer = person(new_visitor, "Writer_RV", joins=("epilepsy",), role=Role.MODERATOR)
    answer = writer.post(f"/threads/{thread}/replies",
                         {"body": "As @writer_rv said: @nobody_rv and @friend_rv, hello."},
                         htmx=True)
    assert answer.status_code == 200
    status = answer.text.split('id="reply-status"', 1)[1]
    assert "Your reply is posted." in status
    assert "@nobody_rv will not be told" in status
    assert "writer_rv" not in status.lower() and "friend_rv" not in status
    friend_id = scalar(writer, select(User.id).where(User.username == "friend_rv"))
    texts = db_run(writer, lambda db: _notification_texts(db, friend_id))
    assert texts and all("Writer_RV" in text for text in texts)


async def _notification_texts(db: Any, user_id: int) -> list[str]:
    from community.notifications.models import Notification

    return list(await db.scalars(select(Notification.text).where(
        Notification.user_id == user_id)))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_the_reads_before_the_write_phase_make_no_trip(
    thread: int, new_visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session, the thread and the mentions are read on the event loop (SHORT_READS, in
    the read transaction); the write phase's statements and its re-check go to SQLite's
    thread as before."""
    from community import sqlite_driver

    member = person(new_visitor, "trips_rv", joins=("epilepsy",))
    assert member.app.state.runtime.engine.dialect.name == "sqlite"
    sent: list[str] = []
    original = sqlite_driver.OneTripConnection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(_trip_of(fn, args))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(sqlite_driver.OneTripConnection, "_execute", counted)
    held = reply(member, thread, "Mine come at night too, @opener_rv.")
    assert post_status(member, held) == "pending"
    assert not any(s.startswith(("SELECT user_session", "SELECT thread", "SELECT user_account"))
                   for s in sent), sent
    # The reply's first trip is its switch to writing, with the re-check; then its commit.
    assert sent[0] == "with COMMIT, BEGIN IMMEDIATE, (read)", sent
    assert sent[1].startswith("with INSERT INTO"), sent
    assert sent[2] == "SELECT post.status", sent  # the test's own read


def _trip_of(fn: Any, args: tuple[Any, ...]) -> str:
    """A trip to SQLite's thread as the words its statements begin with: a statement's own
    SQL, or what waited on the connection and went with a flush or a commit."""
    def words(sql: Any) -> str:
        return " ".join(sql.split()[:2]) if isinstance(sql, str) else "(read)"

    if isinstance(fn, partial) and fn.args and isinstance(fn.args[0], str):
        return words(fn.args[0])
    waiting = args[0].args[0] if args and isinstance(args[0], partial) and args[0].args else []
    return "with " + ", ".join(words(sql) for sql, _parameters in waiting)
