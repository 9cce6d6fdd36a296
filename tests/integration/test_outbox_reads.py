"""A published reply's delivery reads who hears of it before its write transaction: on SQLite
those reads run on the event loop while they are short (`outbox.DELIVERY_READ_STEPS`), and a
read past that budget is read in the connection's thread instead: the same people hear of
it, once, either way."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from community import sqlite_driver
from community.accounts.models import User
from community.communities import outbox
from community.notifications.models import Notification
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

FOLLOWERS = ("rae_follows", "sol_follows", "tam_follows")


def _told(visitor: Visitor) -> dict[str, list[str]]:
    async def load(db: Any) -> dict[str, list[str]]:
        rows = await db.execute(select(User.username, Notification.text)
                                .join(Notification, Notification.user_id == User.id)
                                .where(User.username.in_(FOLLOWERS)))
        told: dict[str, list[str]] = {}
        for username, text in rows:
            told.setdefault(username, []).append(text)
        return told

    return db_run(visitor, load)  # type: ignore[no-any-return]


@pytest.mark.parametrize("steps", [outbox.DELIVERY_READ_STEPS, 1])
def test_the_followers_hear_once_whether_the_reads_were_short_or_not(
    visitor: Visitor, new_visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch,
    steps: int,
) -> None:
    monkeypatch.setattr(outbox, "DELIVERY_READ_STEPS", steps)
    seed(visitor)
    starter = person(new_visitor, "uma_starts", joins=("fibromyalgia",))
    thread_id = start_thread(starter, "fibromyalgia", title="Warm baths")
    for name in FOLLOWERS:
        follower = person(new_visitor, name, joins=("fibromyalgia",))
        assert follower.post(f"/threads/{thread_id}/follow").status_code == 303
    trips: list[str] = []
    original = sqlite_driver.OneTripConnection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(fn, partial) and fn.args and isinstance(fn.args[0], str):
            trips.append(" ".join(fn.args[0].split()[:2]))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(sqlite_driver.OneTripConnection, "_execute", counted)
    reply(starter, thread_id, "The warmer the better, for me.")
    assert _told(visitor) == {name: ["uma_starts replied to “Warm baths”"]
                              for name in FOLLOWERS}
    if starter.app.state.runtime.engine.dialect.name != "sqlite":
        return
    # The delivery's reads: the outbox row with its post, then who hears of it.
    reads = [trip for trip in trips if trip.startswith("SELECT notification_outbox.locale")
             or trip.startswith("SELECT user_account.id")]
    assert reads == ([] if steps > 1 else ["SELECT notification_outbox.locale,",
                                           "SELECT user_account.id,"]), trips
