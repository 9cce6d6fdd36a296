"""A published reply's notifications, and a new thread's, go through an outbox (issue 18):
its transaction writes one row, delivered after the commit, by the request once its response
is sent or else by the background runner. Nothing is lost when the process ends between the
commit and the delivery, nobody hears of one post twice however often delivery is tried, and
the rules (who may read the thread, who turned the kind off, who follows it) are those of the
moment of delivery."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from community.accounts.models import Role, User, UserRole
from community.communities import outbox, routes
from community.communities.models import Post, PostStatus
from community.db import utcnow
from community.notifications.models import (
    Follow,
    Notification,
    NotificationOutbox,
    NotificationPreference,
)
from community.runtime import Runtime
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    opening_post,
    person,
    post_status,
    reply,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor

RU = {"Accept-Language": "ru-RU,ru;q=0.9"}


def _texts(visitor: Visitor, username: str) -> list[str]:
    async def _load(db: Any) -> list[str]:
        user_id = await db.scalar(select(User.id).where(User.username == username))
        return list(await db.scalars(select(Notification.text)
                                     .where(Notification.user_id == user_id)
                                     .order_by(Notification.id)))

    return db_run(visitor, _load)  # type: ignore[no-any-return]


def _owed(visitor: Visitor) -> int:
    return int(scalar(visitor, select(func.count()).select_from(NotificationOutbox)))


def _pass(visitor: Visitor) -> int:
    """One pass of the background runner's job, as the app's lifespan runs it."""
    async def _run(runtime: Runtime) -> int:
        return await outbox.OUTBOX_JOB(runtime)

    return visitor.run(_run)


@pytest.fixture
def conversation(visitor: Visitor,
                 new_visitor: Callable[[], Visitor]) -> tuple[int, Visitor, list[Visitor]]:
    """A members-only thread in fibromyalgia, its starter, and two members who follow it."""
    seed(visitor)
    starter = person(new_visitor, "olive_starter", joins=("fibromyalgia",))
    thread_id = start_thread(starter, "fibromyalgia", title="Warm baths")
    followers = [person(new_visitor, name, joins=("fibromyalgia",))
                 for name in ("pia_follows", "quinn_follows")]
    for follower in followers:
        assert follower.post(f"/threads/{thread_id}/follow").status_code == 303
    return thread_id, starter, followers


def test_a_published_reply_notifies_each_follower_once_after_its_commit(
    conversation: tuple[int, Visitor, list[Visitor]],
) -> None:
    thread_id, starter, _followers = conversation
    reply(starter, thread_id, "An update: they help me sleep.")
    expected = ["olive_starter replied to “Warm baths”"]
    assert _texts(starter, "pia_follows") == expected
    assert _texts(starter, "quinn_follows") == expected
    assert _texts(starter, "olive_starter") == []
    assert _owed(starter) == 0, "the request delivered its row after its response"
    assert _pass(starter) == 0
    assert _texts(starter, "pia_follows") == expected


def test_a_process_that_ends_between_commit_and_delivery_loses_nothing(
    conversation: tuple[int, Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The request commits its reply and its outbox row, then ends before delivering: the
    runner's next pass delivers, once, however often it passes."""
    thread_id, starter, _followers = conversation
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    reply(starter, thread_id, "Epsom salts too.")
    assert _texts(starter, "pia_follows") == []
    assert _owed(starter) == 1
    assert _pass(starter) == 2
    assert _pass(starter) == 0
    expected = ["olive_starter replied to “Warm baths”"]
    assert _texts(starter, "pia_follows") == expected
    assert _texts(starter, "quinn_follows") == expected
    assert _owed(starter) == 0


def test_deliveries_of_one_row_at_once_write_each_notification_once(
    conversation: tuple[int, Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The request, the runner and another process may deliver the same row at the same
    time: each reads who hears of it, one takes the row, the others write nothing."""
    thread_id, starter, _followers = conversation
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    post_id = reply(starter, thread_id, "Bath bombs are too strong for me.")

    async def _at_once(runtime: Runtime) -> list[int]:
        return list(await asyncio.gather(outbox.deliver(runtime, post_id),
                                         outbox.deliver(runtime, post_id),
                                         outbox.deliver_pending(runtime)))

    assert sorted(starter.run(_at_once)) == [0, 0, 2]
    expected = ["olive_starter replied to “Warm baths”"]
    assert _texts(starter, "pia_follows") == expected
    assert _texts(starter, "quinn_follows") == expected
    assert _owed(starter) == 0


def test_a_delivery_that_fails_half_way_leaves_its_row_for_the_next_pass(
    conversation: tuple[int, Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The row is taken in the transaction that writes the notifications: a failure after the
    first insert rolls both back, and the next delivery writes each notification once."""
    thread_id, starter, _followers = conversation
    write_notifications = outbox.write_notifications

    async def fail_after_writing(*args: Any, **kwargs: Any) -> int:
        await write_notifications(*args, **kwargs)
        raise RuntimeError("the process died here")

    monkeypatch.setattr(outbox, "write_notifications", fail_after_writing)
    reply(starter, thread_id, "Lavender oil.")  # delivered after the response: fails, logged
    assert _texts(starter, "pia_follows") == []
    assert _owed(starter) == 1
    monkeypatch.setattr(outbox, "write_notifications", write_notifications)
    assert _pass(starter) == 2
    assert _texts(starter, "pia_follows") == ["olive_starter replied to “Warm baths”"]
    assert _owed(starter) == 0


def test_who_hears_is_decided_at_delivery(
    conversation: tuple[int, Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
    new_visitor: Callable[[], Visitor],
) -> None:
    """Between the commit and the delivery one follower leaves the members-only community,
    another turns replies off, a third stops following: none of them hears of the reply; a
    mentioned outsider never does (a mention must not leak the thread); a mentioned member
    hears of the mention, not also of the reply."""
    thread_id, starter, (pia, _quinn) = conversation
    rex = person(new_visitor, "rex_follows", joins=("fibromyalgia",))
    assert rex.post(f"/threads/{thread_id}/follow").status_code == 303
    sam = person(new_visitor, "sam_follows", joins=("fibromyalgia",))
    assert sam.post(f"/threads/{thread_id}/follow").status_code == 303
    person(new_visitor, "tess_outsider", joins=("copd",))
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    reply(starter, thread_id, "Thanks @sam_follows and @tess_outsider.")
    assert pia.post("/communities/fibromyalgia/leave").status_code == 303

    async def _turn_off_and_unfollow(db: Any) -> None:
        ids = {u.username: u.id for u in await db.scalars(select(User))}
        db.add(NotificationPreference(user_id=ids["quinn_follows"], kind="reply",
                                      delivery="off"))
        await db.execute(delete(Follow).where(Follow.user_id == ids["rex_follows"]))

    db_run(starter, _turn_off_and_unfollow)
    assert _pass(starter) == 1
    assert _texts(starter, "pia_follows") == []
    assert _texts(starter, "quinn_follows") == []
    assert _texts(starter, "rex_follows") == []
    assert _texts(starter, "tess_outsider") == []
    assert _texts(starter, "sam_follows") == ["olive_starter mentioned you in “Warm baths”"]


def test_the_runner_writes_in_the_language_of_the_request(
    conversation: tuple[int, Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A follower without a language setting reads the text in the language of the request
    that wrote the reply, as when it was written in that request, whoever delivers it."""
    thread_id, starter, _followers = conversation
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    answer = starter.post(f"/threads/{thread_id}/replies", {"body": "Тёплая ванна."},
                          headers=RU)
    assert answer.status_code == 303
    assert _pass(starter) == 2
    [text] = _texts(starter, "pia_follows")
    assert "olive_starter" in text and "Warm baths" in text
    assert text != "olive_starter replied to “Warm baths”"


def test_a_reply_taken_down_before_delivery_tells_nobody(
    conversation: tuple[int, Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The author deletes the reply (or a moderator removes it) between its commit and the
    delivery: its followers never hear of it, and the row is done with."""
    thread_id, starter, _followers = conversation
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    deleted = reply(starter, thread_id, "Posted by mistake.")
    assert starter.post(f"/posts/{deleted}/delete").status_code in (200, 303)
    assert post_status(starter, deleted) == PostStatus.AUTHOR_DELETED
    removed = reply(starter, thread_id, "Buy my bath salts.")
    db_run(starter, lambda db: db.execute(
        update(Post).where(Post.id == removed).values(status=PostStatus.REMOVED)))
    assert _owed(starter) == 2
    assert _pass(starter) == 0
    assert _owed(starter) == 0
    assert _texts(starter, "pia_follows") == []
    assert _texts(starter, "quinn_follows") == []


def test_followers_are_read_with_their_roles_and_each_told_once(
    conversation: tuple[int, Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
    new_visitor: Callable[[], Visitor],
) -> None:
    """Delivery reads the followers as plain rows, one per role: a moderator who also holds a
    second role and follows the members-only thread without joining its community may read
    it and hears of the reply once; a follower whose account is deleted before the delivery
    hears nothing."""
    thread_id, starter, (pia, _quinn) = conversation
    uma = person(new_visitor, "uma_moderates", role=Role.MODERATOR)
    assert uma.post(f"/threads/{thread_id}/follow").status_code == 303
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    reply(starter, thread_id, "Lavender in the water.")

    async def _second_role_and_deletion(db: Any) -> None:
        ids = {u.username: u.id for u in await db.scalars(select(User))}
        db.add(UserRole(user_id=ids["uma_moderates"], role=Role.CLINICIAN.value))
        await db.execute(update(User).where(User.id == ids["quinn_follows"])
                         .values(deleted_at=utcnow()))

    db_run(starter, _second_role_and_deletion)
    assert _pass(starter) == 2
    expected = ["olive_starter replied to “Warm baths”"]
    assert _texts(starter, "uma_moderates") == expected
    assert _texts(pia, "pia_follows") == expected
    assert _texts(starter, "quinn_follows") == []


# ---- a new thread's notifications go the same way ------------------------------------------

NEW_THREAD = "New thread in Fibromyalgia: “Gentle stretching”"


@pytest.fixture
def community_followers(visitor: Visitor,
                        new_visitor: Callable[[], Visitor]) -> tuple[Visitor, list[Visitor]]:
    """A member of fibromyalgia who will start a thread, and two members who follow the
    community (not yet any thread of it)."""
    seed(visitor)
    starter = person(new_visitor, "vera_starts", joins=("fibromyalgia",))
    followers = [person(new_visitor, name, joins=("fibromyalgia",))
                 for name in ("wes_follows", "xia_follows")]
    for follower in followers:
        assert follower.post("/communities/fibromyalgia/follow").status_code == 303
    return starter, followers


def test_a_new_thread_is_announced_after_its_commit_and_nothing_is_lost_in_between(
    community_followers: tuple[Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The thread's transaction writes an outbox row, not the notifications: the request
    delivers it once its response is sent; a process that ends before delivering loses
    nothing (the runner's next pass delivers, once, however often it passes)."""
    starter, _followers = community_followers
    start_thread(starter, "fibromyalgia", title="Gentle stretching")
    assert _texts(starter, "wes_follows") == [NEW_THREAD]
    assert _texts(starter, "xia_follows") == [NEW_THREAD]
    assert _texts(starter, "vera_starts") == []
    assert _owed(starter) == 0, "the request delivered its row after its response"

    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    start_thread(starter, "fibromyalgia", title="Cold mornings")
    assert _texts(starter, "wes_follows") == [NEW_THREAD]
    assert _owed(starter) == 1
    assert _pass(starter) == 2
    assert _pass(starter) == 0
    later = "New thread in Fibromyalgia: “Cold mornings”"
    assert _texts(starter, "wes_follows") == [NEW_THREAD, later]
    assert _texts(starter, "xia_follows") == [NEW_THREAD, later]


def test_deliveries_of_one_new_thread_at_once_write_each_notification_once(
    community_followers: tuple[Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
) -> None:
    starter, _followers = community_followers
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    thread_id = start_thread(starter, "fibromyalgia", title="Gentle stretching")
    post_id = opening_post(starter, thread_id)

    async def _at_once(runtime: Runtime) -> list[int]:
        return list(await asyncio.gather(outbox.deliver(runtime, post_id),
                                         outbox.deliver(runtime, post_id),
                                         outbox.deliver_pending(runtime)))

    assert sorted(starter.run(_at_once)) == [0, 0, 2]
    assert _texts(starter, "wes_follows") == [NEW_THREAD]
    assert _texts(starter, "xia_follows") == [NEW_THREAD]
    assert _owed(starter) == 0


def test_who_hears_of_a_new_thread_is_decided_at_delivery(
    community_followers: tuple[Visitor, list[Visitor]], monkeypatch: pytest.MonkeyPatch,
    new_visitor: Callable[[], Visitor],
) -> None:
    """Between the commit and the delivery one follower leaves the community (the thread is
    members-only) and another turns new threads off: neither hears; a mentioned member
    who follows the community hears of the mention only; a thread whose opening post is
    removed before delivery tells nobody."""
    starter, (wes, _xia) = community_followers
    yan = person(new_visitor, "yan_follows", joins=("fibromyalgia",))
    assert yan.post("/communities/fibromyalgia/follow").status_code == 303
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    start_thread(starter, "fibromyalgia", title="Gentle stretching",
                 body="What works for you, @yan_follows?")
    assert wes.post("/communities/fibromyalgia/leave").status_code == 303

    async def _turn_off(db: Any) -> None:
        xia = await db.scalar(select(User.id).where(User.username == "xia_follows"))
        db.add(NotificationPreference(user_id=xia, kind="new_thread", delivery="off"))

    db_run(starter, _turn_off)
    assert _pass(starter) == 1
    assert _texts(starter, "wes_follows") == []
    assert _texts(starter, "xia_follows") == []
    assert _texts(starter, "yan_follows") == [
        "vera_starts mentioned you in “Gentle stretching”"]

    removed = start_thread(starter, "fibromyalgia", title="Buy my heat pads")
    opening = opening_post(starter, removed)
    db_run(starter, lambda db: db.execute(
        update(Post).where(Post.id == opening).values(status=PostStatus.REMOVED)))
    assert _owed(starter) == 1
    assert _pass(starter) == 0
    assert _owed(starter) == 0
    assert _texts(starter, "yan_follows") == [
        "vera_starts mentioned you in “Gentle stretching”"]
