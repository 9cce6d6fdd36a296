"""What every request pays around its page (community.web): a request session the page left
untouched is dropped without closing it, one that holds objects is still closed, and every
connection a request took goes back to the pool either way."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy.ext.asyncio import AsyncSession

from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[Visitor, int]:
    seed(visitor)
    author = person(new_visitor, "author_env", joins=("epilepsy",))
    thread_id = start_thread(author, "epilepsy", title="Sleep and seizures")
    reply(author, thread_id, "Late nights are my trigger.")
    return author, thread_id


@pytest.fixture
def closed_sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[AsyncSession]]:
    """The requests' own sessions (those the plugin provides) that were closed; sessions of
    work done beside the requests (a delivery after a reply) are not counted."""
    provided: list[AsyncSession] = []
    closed: list[AsyncSession] = []
    provide = SQLAlchemyAsyncConfig.provide_session
    close = AsyncSession.close

    def providing(self: SQLAlchemyAsyncConfig, state: Any, scope: Any) -> AsyncSession:
        session = provide(self, state, scope)
        if not any(session is known for known in provided):
            provided.append(session)
        return session

    async def counting(self: AsyncSession) -> None:
        if any(self is known for known in provided):
            closed.append(self)
        await close(self)

    monkeypatch.setattr(SQLAlchemyAsyncConfig, "provide_session", providing)
    monkeypatch.setattr(AsyncSession, "close", counting)
    yield closed


def _checked_out(visitor: Visitor) -> int:
    pool: Any = visitor.app.state.runtime.engine.sync_engine.pool
    return int(pool.checkedout()) if hasattr(pool, "checkedout") else 0


def test_a_page_of_plain_reads_drops_its_untouched_session_and_gives_its_connection_back(
    thread: tuple[Visitor, int], closed_sessions: list[AsyncSession]
) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")  # cards and page kept
    closed_sessions.clear()
    for _ in range(3):
        page = author.get(f"/threads/{thread_id}")
        assert page.status_code == 200 and "Late nights are my trigger." in page.text
    # The thread page reads plain rows beside its session: nothing to close.
    assert closed_sessions == []
    assert _checked_out(author) == 0


def test_a_page_that_loads_objects_still_closes_its_session(
    thread: tuple[Visitor, int], closed_sessions: list[AsyncSession]
) -> None:
    author, _thread_id = thread
    closed_sessions.clear()
    # The account page loads the signed-in person as an ORM object.
    page = author.get("/account")
    assert page.status_code == 200
    assert closed_sessions, "a session holding objects must be closed"
    assert all(not session.sync_session.identity_map for session in closed_sessions)
    assert _checked_out(author) == 0


def test_a_write_still_commits_after_plain_reads(thread: tuple[Visitor, int]) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    reply(author, thread_id, "Written after the page was read.")
    page = author.get(f"/threads/{thread_id}")
    assert "Written after the page was read." in page.text
    assert _checked_out(author) == 0
