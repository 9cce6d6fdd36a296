"""What every request pays around its page (community.web): a request session the page left
untouched is dropped without closing it, one that holds objects is still closed; the
connection a read-only request read on is kept for the next one while it is as the pool
would give it, and every other connection goes back to the pool."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.csrf import session_token
from community.accounts.models import User
from community.db import _kept_reads, close_kept_read_connections
from community.notifications.services import notify
from community.tokens import token_hash
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    reply,
    seed,
    settings,
    start_thread,
    thread_with_a_reply,
)
from tests.helpers import Visitor


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[Visitor, int]:
    return thread_with_a_reply(visitor, new_visitor, "author_env")


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
    # Back in the pool, or kept for the next read-only request (and nothing else).
    assert _checked_out(author) == len(_kept_reads.get(_engine(author), []))


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
    assert _checked_out(author) == len(_kept_reads.get(_engine(author), []))


def test_a_write_still_commits_after_plain_reads(thread: tuple[Visitor, int]) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    reply(author, thread_id, "Written after the page was read.")
    page = author.get(f"/threads/{thread_id}")
    assert "Written after the page was read." in page.text
    assert _checked_out(author) == len(_kept_reads.get(_engine(author), []))


def _checkouts(visitor: Visitor) -> list[object]:
    taken: list[object] = []
    engine = visitor.app.state.runtime.engine.sync_engine

    def checkout(*_args: Any) -> None:
        taken.append(_args[0])

    event.listen(engine.pool, "checkout", checkout)
    return taken


def test_read_only_requests_read_on_a_kept_connection(thread: tuple[Visitor, int]) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    taken = _checkouts(author)
    for _ in range(3):
        assert author.get(f"/threads/{thread_id}").status_code == 200
    # The first request's connection served the next ones, out of the pool.
    assert taken == []
    assert _checked_out(author) == len(_kept_reads.get(_engine(author), []))


def test_a_connection_invalidated_while_kept_is_not_read_on_again(
    thread: tuple[Visitor, int]
) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    kept = _kept_reads.get(_engine(author), [])
    assert kept
    stale = list(kept)
    for connection in stale:
        # What the pool does after a lost connection: every older one is given up.
        connection.connection._connection_record.starttime -= 10
    author.app.state.runtime.engine.sync_engine.pool._invalidate_time = time.time() - 5
    page = author.get(f"/threads/{thread_id}")
    assert page.status_code == 200 and "Late nights are my trigger." in page.text
    assert all(connection.closed for connection in stale)
    assert not any(kept_now in stale for kept_now in _kept_reads.get(_engine(author), []))


def test_a_write_does_not_take_a_kept_connection_and_sees_its_own_reads(
    thread: tuple[Visitor, int]
) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    kept = list(_kept_reads.get(_engine(author), []))
    assert kept
    reply(author, thread_id, "A reply between two reads.")
    assert _kept_reads.get(_engine(author), []) == kept
    assert "A reply between two reads." in author.get(f"/threads/{thread_id}").text


def test_closing_the_runtime_closes_the_kept_connections(
    thread: tuple[Visitor, int]
) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    runtime = author.app.state.runtime
    engine = _engine(author)
    assert _kept_reads.get(engine)
    kept = list(_kept_reads[engine])
    author.run(lambda _runtime: close_kept_read_connections(runtime.engine))
    assert engine not in _kept_reads
    assert all(connection.closed for connection in kept)
    assert _checked_out(author) == 0


def _engine(visitor: Visitor) -> Any:
    return visitor.app.state.runtime.engine.sync_engine


def test_the_csrf_cookie_follows_the_session_a_response_signs_in_or_out(
    visitor: Visitor,
) -> None:
    secret = visitor.app.state.runtime.settings.secret_key
    visitor.signup_and_login("envelope_signer")
    session = visitor.jar.get("kindred_session")
    assert session
    # The sign-in's answer carried the token of the session it began.
    assert visitor.jar.get("csrftoken") == session_token(secret, token_hash(session))
    form_token = visitor.get("/account").text.split('name="_csrf_token" value="', 1)[1]
    assert form_token.startswith(session_token(secret, token_hash(session)))
    assert visitor.post("/logout").status_code == 303
    # Signed out by that answer: an anonymous token, not the ended session's.
    anonymous = visitor.jar.get("csrftoken")
    assert anonymous and anonymous.startswith("a") and len(anonymous) == 65
    assert anonymous != session_token(secret, token_hash(session))


def _kept_frames(visitor: Visitor) -> list[Any]:
    fragments = visitor.app.state.runtime.fragments
    return [fragments._entries[key] for key in fragments._entries if key[1][0] == "page-frame"]


def test_the_kept_page_is_kept_and_sent_as_utf8(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    author = person(new_visitor, "автор_env", joins=("epilepsy",))
    reader = person(new_visitor, "reader_env", joins=("epilepsy",))
    title = "Ауры в сумерках — <b>как</b> у вас?"
    thread_id = start_thread(author, "epilepsy", title=title, body="Сначала запах, потом…")
    url = f"/threads/{thread_id}"
    for person_ in (author, reader):
        person_.get(url)  # the flash of joining shows once, on a page rendered whole
    whole = author.get(url)  # kept here
    kept = reader.get(url)  # from the kept page
    assert kept.status_code == 200
    # Its text around the readers' own parts is kept as the bytes sent, once per page.
    assert _kept_frames(reader) and all(
        all(isinstance(text, bytes) for text in frame.texts) for frame in _kept_frames(reader))
    assert int(kept.headers["content-length"]) == len(kept.content)
    assert kept.headers["content-type"] == "text/html; charset=utf-8"
    page = kept.content.decode("utf-8")
    assert "Ауры в сумерках — &lt;b&gt;как&lt;/b&gt; у вас?" in page and "<b>как</b>" not in page
    assert "Сначала запах, потом…" in page and "автор_env" in page
    assert '<a href="/account">reader_env</a>' in page
    assert f'"X-CSRFToken": "{reader.csrf()}"' in page
    assert whole.content.decode("utf-8").count(title[:4]) == page.count(title[:4])


def test_the_request_state_is_read_without_building_state_objects(
    thread: tuple[Visitor, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from litestar.datastructures import state

    author, thread_id = thread
    page = author.get(f"/threads/{thread_id}")
    assert "unread</span>" not in page.text

    async def _notify(db: Any) -> None:
        (user_id,) = (await db.execute(select(User.id).where(User.username == "author_env"))).one()
        await notify(db, user_id, "moderation", text="Seen by a moderator.", link="/")

    db_run(author, _notify)
    built: list[object] = []
    init = state.ImmutableState.__init__

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(self)
        init(self, *args, **kwargs)

    monkeypatch.setattr(state.ImmutableState, "__init__", counting)
    page = author.get(f"/threads/{thread_id}")
    # The hooks and the header's badge read the request's state as the scope's dict.
    assert page.status_code == 200
    assert re.search(r'class="badge warn">1<span class="visually-hidden"> unread</span>',
                     page.text)
    assert built == []


def test_a_signed_in_page_view_imports_nothing(
    thread: tuple[Visitor, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import statement run inside a function cost a few microseconds on every call (the
    unread count's hook ran three per request, the read beside the session one)."""
    import builtins

    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    imported: list[str] = []
    original = builtins.__import__

    def recording(name: str, *args: Any, **kwargs: Any) -> Any:
        imported.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", recording)
    page = author.get(f"/threads/{thread_id}")
    monkeypatch.undo()
    assert page.status_code == 200 and "Late nights are my trigger." in page.text
    assert not [name for name in imported if name.startswith(("community", "moderation",
                                                               "outcomes", "sqlalchemy"))]
