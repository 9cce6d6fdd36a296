"""Replies sent at once (issue 18): each is written once, under the id its answer names, and
none fails with "database is locked". On SQLite the reply's post id is read under the write
lock with the re-check and its insert goes later (`services.recheck_reply`): concurrent
writers must never be given the same id, and the thread's counters (written later too) must
count every reply."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role
from community.communities.models import Post, PostStatus, Thread
from community.settings import Settings
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    seed,
    start_thread,
)
from tests.forms import form_posting_to
from tests.helpers import Visitor

AT_ONCE = 16


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    # One published post is enough to be past the first-posts rule.
    return make_settings(premoderate_first_posts=1)


async def _publish_everything(db: AsyncSession) -> None:
    await db.execute(update(Post).values(status=PostStatus.PUBLISHED.value))
    await db.execute(update(Thread).values(status=PostStatus.PUBLISHED.value))


async def _replies(db: AsyncSession, thread_id: int) -> dict[str, Any]:
    posts = (await db.execute(select(Post.id, Post.body, Post.status)
                              .where(Post.thread_id == thread_id))).all()
    count = await db.scalar(select(Thread.reply_count).where(Thread.id == thread_id))
    return {"posts": {body: (post_id, status) for post_id, body, status in posts},
            "reply_count": count}


def _send_at_once(visitor: Visitor, path: str, forms: list[dict[str, str]]) -> list[Any]:
    """POST every form to `path` concurrently, in the app's event loop, as the visitor."""
    portal = visitor.client.blocking_portal
    assert portal is not None

    async def send() -> list[Any]:
        transport = httpx.ASGITransport(app=visitor.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local",
                                     cookies=dict(visitor.jar.items())) as client:
            return list(await asyncio.gather(
                *(client.post(path, data=form, follow_redirects=False) for form in forms),
                return_exceptions=True))

    return portal.call(send)


def _thread_with_a_reply(new_visitor: Callable[[], Visitor], name: str,
                         first_reply: str) -> tuple[Visitor, Visitor, int]:
    """A moderator, a writer and a published migraine thread with the writer's first reply
    published (so that later replies are not held as a newcomer's)."""
    moderator = person(new_visitor, f"{name}_mod", role=Role.MODERATOR)
    seed(moderator)
    starter = person(new_visitor, f"{name}_starter", joins=("migraine",))
    writer = person(new_visitor, f"{name}_writer", joins=("migraine",))
    thread_id = start_thread(starter, "migraine", "Dark rooms?", "Does a dark room help?")
    db_run(moderator, _publish_everything)
    assert writer.post(f"/threads/{thread_id}/replies", {"body": first_reply}).status_code == 303
    db_run(moderator, _publish_everything)
    return moderator, writer, thread_id


def test_replies_sent_at_once_are_each_written_once_under_the_id_they_answer(
    new_visitor: Callable[[], Visitor],
) -> None:
    _moderator, writer, thread_id = _thread_with_a_reply(new_visitor, "rush", "Blackout blinds.")
    path = f"/threads/{thread_id}/replies"
    before = db_run(writer, lambda db: _replies(db, thread_id))["reply_count"]

    # One form each (its own submission token), as from sixteen open tabs.
    forms = [form_posting_to(writer.get(f"/threads/{thread_id}").text, path)
             .values(body=f"Reply number {n} at once.") for n in range(AT_ONCE)]
    answers = _send_at_once(writer, path, forms)

    assert [getattr(answer, "status_code", answer) for answer in answers] == [303] * AT_ONCE
    stored = db_run(writer, lambda db: _replies(db, thread_id))
    for n, answer in enumerate(answers):
        post_id, status = stored["posts"][f"Reply number {n} at once."]
        assert status == PostStatus.PUBLISHED.value
        assert re.search(rf"#post-{post_id}$", answer.headers["location"])
    assert stored["reply_count"] == before + AT_ONCE


def test_a_reply_after_the_newest_post_was_removed_gets_the_id_its_answer_names(
    new_visitor: Callable[[], Visitor],
) -> None:
    """SQLite gives a table without AUTOINCREMENT the largest id plus one, so an id freed at
    the top is given again; the id read with the re-check must be that one."""
    moderator, writer, thread_id = _thread_with_a_reply(new_visitor, "gap",
                                                        "A small one helps me.")
    path = f"/threads/{thread_id}/replies"
    assert writer.post(path, {"body": "Removed at once."}).status_code == 303

    async def _remove_newest(db: AsyncSession) -> int:
        newest = await db.scalar(select(Post).where(Post.body == "Removed at once."))
        assert newest is not None
        await db.delete(newest)
        return newest.id

    removed = db_run(moderator, _remove_newest)
    answer = writer.post(path, {"body": "Written after the removal."})
    assert answer.status_code == 303
    stored = db_run(writer, lambda db: _replies(db, thread_id))
    post_id, _status = stored["posts"]["Written after the removal."]
    assert answer.headers["location"].endswith(f"#post-{post_id}")
    assert post_id >= removed
