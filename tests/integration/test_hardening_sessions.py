"""Issue 17: reads never write on their own transaction, sign-in limits per account,
Redis touch cannot revive a revoked session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from community import sqlite_driver
from community.audit import AuditEntry
from community.messages.models import Message
from tests.helpers import Visitor

DML = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def writes_on_reading_transactions(visitor: Visitor) -> Iterator[list[str]]:
    """The INSERT/UPDATE/DELETE statements issued inside a deferred SQLite transaction
    (one begun by a reading request): under concurrent writers each fails at once with
    "database is locked". Empty on PostgreSQL, which has no such transaction. On SQLite a
    BEGIN, a switch to writing and rows written later are deferred to the connection's next
    trip (community.sqlite_driver): those are watched too."""
    engine = visitor.app.state.runtime.engine.sync_engine
    offending: list[str] = []
    reading: dict[int, bool] = {}  # per driver connection: inside a deferred transaction

    def seen(connection: int, statement: str) -> None:
        head = statement.lstrip().upper()
        if head.startswith("BEGIN"):
            reading[connection] = head == "BEGIN"
        elif head.startswith(("COMMIT", "ROLLBACK")):
            reading[connection] = False
        elif head.startswith(DML) and reading.get(connection):
            offending.append(statement)

    def record(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen(id(conn.connection.driver_connection), statement)

    def ended(conn: Any) -> None:
        reading[id(conn.connection.driver_connection)] = False

    defer = sqlite_driver.OneTripConnection.defer

    def deferred(driver: Any, sql: str, parameters: Any) -> None:
        seen(id(driver), sql)
        defer(driver, sql, parameters)

    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sqlite_driver.OneTripConnection, "defer", deferred)
            yield offending
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "commit", ended)
        event.remove(engine, "rollback", ended)


def query(visitor: Visitor, statement: Any) -> list[Any]:
    async def run(runtime: Any) -> list[Any]:
        async with runtime.sessionmaker() as db:
            return list(await db.scalars(statement))

    return visitor.run(run)


def test_reading_a_conversation_marks_it_read_outside_the_reading_transaction(
    new_visitor: Callable[[], Visitor],
) -> None:
    ada, bea = new_visitor(), new_visitor()
    ada.signup_and_login("reader_ada")
    bea.signup_and_login("reader_bea")
    assert ada.post("/messages/reader_bea", {"body": "Hello, how is the new dose?"}
                    ).status_code == 303
    with writes_on_reading_transactions(bea) as offending:
        page = bea.get("/messages/reader_ada")
    assert page.status_code == 200 and "how is the new dose" in page.text
    assert offending == [], "the GET wrote on its own reading transaction"
    # The mark-read still happened, on a write transaction of its own.
    assert all(m.read_at is not None for m in query(bea, select(Message)))
    assert "1 new" not in bea.get("/messages").text


def test_the_scraping_report_on_a_page_view_is_written_apart(
    make_settings: Callable[..., Any],
) -> None:
    from litestar.testing import TestClient

    from community.app import create_app

    settings = make_settings(views_per_window=2)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        reader = Visitor(client)
        reader.signup_and_login("fast_reader")
        with writes_on_reading_transactions(reader) as offending:
            answers = [reader.get("/people/fast_reader").status_code for _ in range(4)]
        assert answers[-1] == 429, answers
        assert offending == [], "the over-budget GET wrote on its reading transaction"
        actions = query(reader, select(AuditEntry.action))
        assert "scraping.suspected" in actions


def test_failures_by_username_lock_the_account_for_its_email_too(visitor: Visitor) -> None:
    visitor.register("two_names", email="two.names@example.org")
    for _ in range(3):
        assert visitor.login("two_names", "not the password").status_code == 400
    for _ in range(2):
        assert visitor.login("Two.Names@example.org", "not the password").status_code == 400
    locked = visitor.login("two.names@example.org")
    assert locked.status_code == 429, "five failures of one account, whichever name was typed"
    assert visitor.login("two_names").status_code == 429
    assert visitor.get("/account").status_code == 303, "still signed out"


def test_a_locked_account_cannot_sign_in_by_its_email(visitor: Visitor) -> None:
    visitor.register("locked_one", email="locked.one@example.org")
    for _ in range(5):
        assert visitor.login("locked_one", "not the password").status_code == 400
    assert visitor.login("locked.one@example.org").status_code == 429


@pytest.fixture
def redis_store(redis_url: str) -> Iterator[Any]:
    from redis.asyncio import Redis

    from community.accounts.sessions import RedisSessionStore

    yield lambda: RedisSessionStore(Redis.from_url(redis_url),
                                    f"kindred-test-{uuid.uuid4().hex[:8]}")


def test_redis_touch_cannot_bring_back_a_session_revoked_meanwhile(redis_store: Any) -> None:
    import asyncio

    from community.db import utcnow

    async def race() -> tuple[Any, Any]:
        store = redis_store()
        token = await store.create(7, 1, lifetime=timedelta(hours=1), client_address="::1",
                                   user_agent="test")
        # A request reads its session ...
        record = await store.get(token)
        assert record is not None
        record.last_seen_at = utcnow() - timedelta(minutes=5)  # due for a touch
        # ... "sign out everywhere" revokes it from another process ...
        await store.revoke_all(7)
        # ... and then the first request touches what it read.
        await store.touch(record)
        return await store.get(token), await store.list_for_user(7)

    revived, listed = asyncio.run(race())
    assert revived is None, "the touch recreated a revoked session"
    assert listed == []


def raw_post(visitor: Visitor, path: str, **kwargs: Any) -> Any:
    """A POST with exactly the token given (no helper adding the right one)."""
    visitor._use_jar()  # its own cookies, as they are, in the client
    return visitor.client.post(path, follow_redirects=False, **kwargs)


def test_csrf_token_is_bound_to_the_session(new_visitor: Callable[[], Visitor]) -> None:
    alice, mallory = new_visitor(), new_visitor()
    alice.signup_and_login("bound_alice")
    mallory.signup_and_login("bound_mallory")
    planted = mallory.csrf()
    # Mallory plants her own valid token as Alice's cookie (a sibling domain can) and makes
    # Alice's browser submit it: double-submit alone would accept it.
    alice.jar.set("csrftoken", planted, domain="testserver.local")
    assert raw_post(alice, "/logout", data={"_csrf_token": planted}).status_code == 403
    assert alice.get("/account").status_code == 200, "still signed in"
    # Alice's own token, rendered in her pages, works by form and by htmx header.
    page = alice.get("/account")
    own = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    assert own != planted
    assert raw_post(alice, "/logout", headers={"X-CSRFToken": own, "HX-Request": "true"}
                    ).status_code == 303
    assert alice.get("/account").status_code == 303, "signed out"
    # Signed out, her old token is worthless, even planted back as the cookie.
    alice.jar.set("csrftoken", own, domain="testserver.local")
    assert raw_post(alice, "/login", data={"_csrf_token": own, "identifier": "bound_alice",
                                           "password": "x"}).status_code == 403


def test_a_form_rendered_before_a_privilege_change_still_submits(visitor: Visitor) -> None:
    from sqlalchemy import update

    from community.accounts.models import User

    visitor.signup_and_login("promoted_person")
    page = visitor.get("/account").text
    before = page.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]

    async def promote(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(update(User).where(User.username_key == "promoted_person")
                             .values(privilege_version=User.privilege_version + 1))

    visitor.run(promote)
    # The session rotates on this request; the token it was rendered with still counts once.
    answer = raw_post(visitor, "/logout", data={"_csrf_token": before})
    assert answer.status_code == 303
    assert visitor.get("/account").status_code == 303, "signed out"
