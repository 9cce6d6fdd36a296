"""Replying, reacting and loading more: in place with htmx, and with plain forms; a thread
page costs the same number of queries whatever the thread's length."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import insert, select

from community.communities.models import Post, Reaction
from community.notifications.models import Notification
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    opening_post,
    person,
    reply,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, statements_of


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[Visitor, Visitor, int]:
    seed(visitor)
    author = person(new_visitor, "author_hx", joins=("epilepsy",))
    reader = person(new_visitor, "reader_hx", joins=("epilepsy",))
    return author, reader, start_thread(author, "epilepsy", title="Driving after seizures")


def test_reply_in_place_with_htmx_and_without(thread: tuple[Visitor, Visitor, int]) -> None:
    _author, reader, thread_id = thread
    partial = reader.post(f"/threads/{thread_id}/replies", {"body": "Six months here."}, htmx=True)
    assert partial.status_code == 200
    assert "<html" not in partial.text and "Six months here." in partial.text
    assert 'id="reply-form"' in partial.text and 'hx-swap-oob="true"' in partial.text
    plain = reader.post(f"/threads/{thread_id}/replies", {"body": "And a plain reply."})
    assert plain.status_code == 303
    assert plain.headers["location"].startswith(f"/threads/{thread_id}")
    page = reader.get(plain.headers["location"].split("#")[0]).text
    assert "And a plain reply." in page
    bad = reader.post(f"/threads/{thread_id}/replies", {"body": ">" * 500}, htmx=True)
    assert bad.status_code == 200 and "nested at most" in bad.text and "hx-swap-oob" in bad.text
    assert reader.post(f"/threads/{thread_id}/replies", {"body": ""}).status_code == 400


def test_reactions_toggle_once_per_person_with_htmx_and_without(
    thread: tuple[Visitor, Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    author, reader, thread_id = thread
    post_id = opening_post(author, thread_id)
    partial = reader.post(f"/posts/{post_id}/react", {"kind": "helpful"}, htmx=True)
    assert partial.status_code == 200 and "<html" not in partial.text
    assert f'id="reactions-{post_id}"' in partial.text
    # The button: pressed state, its (hidden) icon, the label and the count.
    pressed = r'aria-pressed="{}"><svg class="icon"[^>]*>.*?</svg>Helpful <span class="count">{}</span>'
    assert re.search(pressed.format("true", 1), partial.text)
    again = reader.post(f"/posts/{post_id}/react", {"kind": "helpful"}, htmx=True)
    assert re.search(pressed.format("false", 0), again.text)
    assert reader.post(f"/posts/{post_id}/react", {"kind": "hugs"}).status_code == 303
    assert reader.post(f"/posts/{post_id}/react", {"kind": "helpful"}).status_code == 303
    assert scalar(reader, select(Post.helpful_count).where(Post.id == post_id)) == 1
    assert scalar(reader, select(Post.hugs_count).where(Post.id == post_id)) == 1
    kinds = select(Reaction.kind).where(Reaction.post_id == post_id)
    rows = db_run(reader, lambda db: _all(db, kinds))
    assert sorted(rows) == ["helpful", "hugs"]
    assert reader.post(f"/posts/{post_id}/react", {"kind": "love"}).status_code == 400
    assert author.post(f"/posts/{post_id}/react", {"kind": "helpful"}).status_code == 403
    outsider = person(new_visitor, "outsider_hx", joins=("copd",))
    assert outsider.post(f"/posts/{post_id}/react", {"kind": "hugs"}).status_code == 404
    notes = db_run(author, lambda db: _all(db, select(Notification.kind)))
    assert notes.count("reaction") == 3


async def _all(db: Any, statement: Any) -> list[Any]:
    return list(await db.scalars(statement))


def _add_posts(visitor: Visitor, thread_id: int, author_name: str, n: int) -> None:
    from community.accounts.models import User

    async def _insert(db: Any) -> None:
        author_id = await db.scalar(select(User.id).where(User.username == author_name))
        await db.execute(insert(Post), [
            {"thread_id": thread_id, "author_id": author_id, "body": f"Reply number {i}",
             "body_html": f"<p>Reply number {i}</p>", "status": "published",
             "screen_labels": [], "screen_spans": []} for i in range(n)])

    db_run(visitor, _insert)


def test_load_more_is_keyset_paged(thread: tuple[Visitor, Visitor, int]) -> None:
    _author, reader, thread_id = thread
    _add_posts(reader, thread_id, "reader_hx", 24)
    first = reader.get(f"/threads/{thread_id}")
    assert first.text.count('class="post ') == 20
    link = re.search(rf'hx-get="/threads/{thread_id}\?after=(\d+)"', first.text)
    assert link
    more = reader.get(f"/threads/{thread_id}?after={link.group(1)}", htmx=True)
    assert more.status_code == 200 and "<html" not in more.text
    assert more.text.count('class="post ') == 5 and "Reply number 23" in more.text
    assert "Load more" not in more.text
    plain = reader.get(f"/threads/{thread_id}?after={link.group(1)}")
    assert "<html" in plain.text and "Reply number 23" in plain.text




def test_thread_page_query_count_does_not_grow_with_length(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "long_author", joins=("copd",))
    reader = person(new_visitor, "long_reader", joins=("copd",))
    short, long = start_thread(author, "copd", title="Short"), start_thread(author, "copd",
                                                                             title="Long")
    _add_posts(reader, short, "long_reader", 24)
    _add_posts(reader, long, "long_reader", 499)
    reply(reader, long, "A reacted-to reply")
    reader.get(f"/threads/{short}")  # warm-up: first-request work is not per page
    warm = len(statements_of(reader, f"/threads/{short}"))
    # A page whose cards are not kept yet reads its posts' texts in one more statement.
    assert len(statements_of(reader, f"/threads/{long}")) == warm + 1
    assert len(statements_of(reader, f"/threads/{long}")) == warm
    deep = scalar(reader, select(Post.id).where(Post.thread_id == long).order_by(Post.id)
                  .offset(480).limit(1))
    assert len(statements_of(reader, f"/threads/{long}?after={deep}")) == warm + 1
    assert len(statements_of(reader, f"/threads/{long}?after={deep}")) == warm
