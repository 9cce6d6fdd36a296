"""A reaction toggled on, off and on again (issue 18, the writes): a few statements through
the driver (no read of the reaction first, no savepoint, the membership read once, the
notification written with the commit on SQLite), and the same outcome as before: the post's
counter follows, each reaction added tells its author once, in their language, unless they
turned reactions off; taking one back tells nobody."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, select

from community.accounts.models import User
from community.communities.models import Post
from community.notifications.models import Delivery, Notification, NotificationPreference
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


def _state(visitor: Visitor, post_id: int, username: str) -> tuple[int, int, list[str]]:
    async def _load(db: Any) -> tuple[int, int, list[str]]:
        post = await db.get(Post, post_id)
        user_id = await db.scalar(select(User.id).where(User.username == username))
        texts = list(await db.scalars(select(Notification.text).where(
            Notification.user_id == user_id, Notification.kind == "reaction")
            .order_by(Notification.id)))
        return post.helpful_count, post.hugs_count, texts

    return db_run(visitor, _load)  # type: ignore[no-any-return]


def test_a_reaction_toggled_three_times_counts_and_tells_once_per_addition(
    visitor: Visitor, new_visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed(visitor)
    author = person(new_visitor, "rae_author", joins=("fibromyalgia",))
    reader = person(new_visitor, "rob_reader", joins=("fibromyalgia",))
    thread = start_thread(author, "fibromyalgia", title="Warm showers")
    post_id = reply(author, thread, "They loosen me up in the morning.")
    engine = visitor.app.state.runtime.engine
    heard: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        heard.append(" ".join(statement.split()[:3]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        assert reader.post(f"/posts/{post_id}/react", {"kind": "helpful"}).status_code == 303
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert not [s for s in heard if s.startswith(("SAVEPOINT", "RELEASE"))]
    assert not [s for s in heard if s.startswith("SELECT post_reaction")]
    assert len([s for s in heard if s.startswith("SELECT membership")]) <= 1
    if engine.dialect.name == "sqlite":
        assert "INSERT INTO notification" not in heard  # it goes with the commit
    assert _state(visitor, post_id, "rae_author") == (
        1, 0, ["rob_reader found your post helpful in “Warm showers”"])

    assert reader.post(f"/posts/{post_id}/react", {"kind": "helpful"}).status_code == 303
    assert _state(visitor, post_id, "rae_author")[:2] == (0, 0)
    assert len(_state(visitor, post_id, "rae_author")[2]) == 1, "taking back tells nobody"

    assert reader.post(f"/posts/{post_id}/react", {"kind": "helpful"}).status_code == 303
    assert reader.post(f"/posts/{post_id}/react", {"kind": "hugs"}).status_code == 303
    helpful, hugs, texts = _state(visitor, post_id, "rae_author")
    assert (helpful, hugs, len(texts)) == (1, 1, 3)


def test_an_author_who_turned_reactions_off_hears_nothing_but_the_count_moves(
    visitor: Visitor, new_visitor: Callable[[], Visitor],
) -> None:
    seed(visitor)
    author = person(new_visitor, "quiet_author", joins=("fibromyalgia",))
    reader = person(new_visitor, "kind_reader", joins=("fibromyalgia",))
    thread = start_thread(author, "fibromyalgia", title="Heat pads")
    post_id = reply(author, thread, "Mine has an auto-off.")

    async def _turn_off(db: Any) -> None:
        user_id = await db.scalar(select(User.id).where(User.username == "quiet_author"))
        db.add(NotificationPreference(user_id=user_id, kind="reaction",
                                      delivery=Delivery.OFF))

    db_run(visitor, _turn_off)
    assert reader.post(f"/posts/{post_id}/react", {"kind": "hugs"}).status_code == 303
    assert _state(visitor, post_id, "quiet_author") == (0, 1, [])
