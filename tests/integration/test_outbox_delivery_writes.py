"""The outbox's delivery writes its notifications past the ORM, with the take of its row
(`outbox._deliver`, `notifications.services.write_notifications`): each follower is told
once, in their own language (the text made once per language), however many rows there are
(joined to the take, or past `ROWS_JOINED` sent at once on PostgreSQL); a delivery that finds
its row taken meanwhile rolls back what it wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import delete, update

from community import sqlite_driver
from community.accounts.models import User
from community.communities import outbox, routes
from community.notifications import services as notification_services
from community.notifications.models import NotificationOutbox
from community.runtime import Runtime
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor
from tests.integration.test_notification_outbox import _owed, _pass, _texts

ENGLISH = "olive_starter replied to “Warm baths”"
RUSSIAN = "olive_starter отвечает в «Warm baths»"
FOLLOWERS = ("pia_follows", "quinn_follows", "ruslan_follows", "sveta_follows")


@pytest.fixture
def followed(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[int, Visitor]:
    """A thread with four followers, two of whom chose Russian."""
    seed(visitor)
    starter = person(new_visitor, "olive_starter", joins=("fibromyalgia",))
    thread_id = start_thread(starter, "fibromyalgia", title="Warm baths")
    for name in FOLLOWERS:
        follower = person(new_visitor, name, joins=("fibromyalgia",))
        assert follower.post(f"/threads/{thread_id}/follow").status_code == 303

    async def russian(db: Any) -> None:
        await db.execute(update(User).where(User.username.in_(FOLLOWERS[2:]))
                         .values(locale="ru"))
        await db.commit()

    db_run(visitor, russian)
    return thread_id, starter


@pytest.mark.parametrize("joined", [1, notification_services.ROWS_JOINED])
def test_each_follower_is_told_once_in_their_language_however_many_rows(
    followed: tuple[int, Visitor], monkeypatch: pytest.MonkeyPatch, joined: int,
) -> None:
    thread_id, starter = followed
    monkeypatch.setattr(notification_services, "ROWS_JOINED", joined)
    reply(starter, thread_id, "An update: they help me sleep.")
    for name in FOLLOWERS[:2]:
        assert _texts(starter, name) == [ENGLISH]
    for name in FOLLOWERS[2:]:
        assert _texts(starter, name) == [RUSSIAN]
    assert _texts(starter, "olive_starter") == []
    assert _owed(starter) == 0


def test_a_delivery_that_finds_its_row_taken_meanwhile_writes_nothing(
    followed: tuple[int, Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Between the delivery's read (who hears) and its writes, another delivery takes the
    row: this one's notifications are rolled back with it, and it reports none written."""
    thread_id, starter = followed
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    post_id = reply(starter, thread_id, "Epsom salts too.")
    switch_to_writing = outbox.switch_to_writing

    async def _deliver_and_race(runtime: Runtime) -> int:
        async def taken_first(db: Any) -> None:
            async with runtime.sessionmaker() as other, other.begin():
                await other.execute(delete(NotificationOutbox)
                                    .where(NotificationOutbox.post_id == post_id))
            await switch_to_writing(db)

        monkeypatch.setattr(outbox, "switch_to_writing", taken_first)
        return await outbox.deliver(runtime, post_id)

    assert starter.run(_deliver_and_race) == 0
    monkeypatch.setattr(outbox, "switch_to_writing", switch_to_writing)
    for name in FOLLOWERS:
        assert _texts(starter, name) == []
    assert _owed(starter) == 0
    assert _pass(starter) == 0


def test_on_sqlite_the_delivery_writes_in_one_trip_with_its_commit(
    followed: tuple[int, Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its reads run on the event loop (`test_outbox_reads`); the switch to writing, the
    notifications and the take all go with the commit: one trip to SQLite's thread, so the
    write lock is held for that trip only."""
    thread_id, starter = followed
    monkeypatch.setattr(routes, "deliver_after", lambda *_args: None)
    post_id = reply(starter, thread_id, "Epsom salts too.")
    trips: list[object] = []
    original = sqlite_driver.OneTripConnection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.append(fn)
        return await original(self, fn, *args, **kwargs)

    async def _deliver(runtime: Runtime) -> int:
        monkeypatch.setattr(sqlite_driver.OneTripConnection, "_execute", counted)
        try:
            return await outbox.deliver(runtime, post_id)
        finally:
            monkeypatch.setattr(sqlite_driver.OneTripConnection, "_execute", original)

    assert starter.run(_deliver) == len(FOLLOWERS)
    for name in FOLLOWERS[:2]:
        assert _texts(starter, name) == [ENGLISH]
    assert _owed(starter) == 0
    if starter.app.state.runtime.engine.dialect.name == "sqlite":
        assert len(trips) == 1, trips
