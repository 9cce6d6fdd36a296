"""`community.db.read_rows`: a page's hottest reads straight to the driver give what
SQLAlchemy's execution gives, raise what it raises, and a read-only page reads beside its
session without a transaction (the thread page's three reads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import bindparam, event, exc, literal_column, select, table

from community.accounts.models import User, UserSession
from community.communities.models import Post
from community.db import intent, read_only_request, read_rows, release_read_connection
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor

_POSTS = (select(Post.id, Post.author_id, Post.created_at, Post.edited_at, Post.status,
                 User.username, User.is_active, User.deleted_at)
          .join(User, User.id == Post.author_id)
          .where(Post.thread_id == bindparam("thread_id"))
          .order_by(Post.id))


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[Visitor, int]:
    seed(visitor)
    author = person(new_visitor, "author_rr", joins=("epilepsy",))
    thread_id = start_thread(author, "epilepsy", title="Diaries")
    reply(author, thread_id, "Mine is on paper.")
    return author, thread_id


def test_rows_are_those_of_sqlalchemys_execution_in_and_out_of_a_transaction(
    thread: tuple[Visitor, int],
) -> None:
    author, thread_id = thread

    async def both(runtime: Any) -> tuple[list[Any], list[Any], list[Any]]:
        async with runtime.sessionmaker() as db:
            expected = [tuple(row) for row in await db.execute(_POSTS, {"thread_id": thread_id})]
            inside = await read_rows(db, _POSTS, {"thread_id": thread_id})
        token = read_only_request.set(True)
        try:
            with intent(write=False):
                async with runtime.sessionmaker() as db:
                    beside = await read_rows(db, _POSTS, {"thread_id": thread_id})
                    assert not db.sync_session.in_transaction()
                    await release_read_connection(db)
        finally:
            read_only_request.reset(token)
        return expected, inside, beside

    expected, inside, beside = author.run(both)
    assert len(expected) == 2
    assert inside == expected and beside == expected
    created = expected[0][2]
    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0
    assert expected[0][6] is True and expected[0][3] is None


def test_a_driver_error_is_raised_as_sqlalchemys(thread: tuple[Visitor, int]) -> None:
    author, _thread_id = thread
    missing = select(literal_column("1")).select_from(table("no_such_table")).where(
        literal_column("1") == bindparam("one"))

    async def fail(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            await read_rows(db, missing, {"one": 1})

    with pytest.raises(exc.DBAPIError):
        author.run(fail)


def test_the_thread_page_reads_beside_its_session_with_no_transaction(
    thread: tuple[Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    _author, thread_id = thread
    reader = person(new_visitor, "reader_rr", joins=("epilepsy",))
    reader.get(f"/threads/{thread_id}")  # cards kept
    engine = reader.app.state.runtime.engine.sync_engine
    begun: list[object] = []
    statements: list[str] = []

    def began(connection: object) -> None:
        begun.append(connection)

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "begin", began)
    event.listen(engine, "before_cursor_execute", executed)
    try:
        page = reader.get(f"/threads/{thread_id}")
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "before_cursor_execute", executed)
    assert page.status_code == 200 and "Mine is on paper." in page.text
    # The session with the viewer, the thread, the posts (on PostgreSQL the thread and the
    # posts in one): heard by the engine's listeners, none through a transaction of
    # SQLAlchemy's session.
    assert len(statements) == (2 if engine.dialect.name == "postgresql" else 3), statements
    assert any(UserSession.__tablename__ in s for s in statements)
    assert begun == []
