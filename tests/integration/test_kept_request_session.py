"""A request session that a read-only page left untouched (no transaction, no object, its
`info` as made) is handed to the process's next request instead of a new one
(community.web.request_session). What must never cross with it: objects, a transaction,
anything in its `info`; and the session's cookie is resolved afresh on every request, so a
revoked session, a sign-out, a role granted or a password changed in another tab is seen
by the very next view."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state
from litestar._signature.model import SignatureModel
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from community.accounts.models import Role, User
from community.web import (
    ALCHEMY_STATE_KEY,
    SESSION_COOKIE,
    _keep_untouched,
    _kept_sessions,
    provide_db_session,
    untouched,
)
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    grant,
    reply,
    settings,
    thread_with_a_reply,
)
from tests.helpers import STRONG_PASSWORD, Visitor


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[Visitor, int]:
    return thread_with_a_reply(visitor, new_visitor, "author_ks")


@pytest.fixture
def made_sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[AsyncSession]]:
    """The request sessions the plugin made anew (not those handed on)."""
    made: list[AsyncSession] = []
    provide = SQLAlchemyAsyncConfig.provide_session

    def providing(self: SQLAlchemyAsyncConfig, state: Any, scope: Any) -> AsyncSession:
        before = get_aa_scope_state(scope, self.session_scope_key)
        session = provide(self, state, scope)
        if before is None:
            made.append(session)
        return session

    monkeypatch.setattr(SQLAlchemyAsyncConfig, "provide_session", providing)
    yield made


def _maker(visitor: Visitor) -> Any:
    state = visitor.app.state
    return state[state[ALCHEMY_STATE_KEY].session_maker_app_state_key]


def _kept(visitor: Visitor) -> list[AsyncSession]:
    return _kept_sessions.setdefault(_maker(visitor), [])


def _as_made(visitor: Visitor, session: AsyncSession) -> bool:
    return (untouched(session) and not session.sync_session.in_transaction()
            and session.info == _maker(visitor).kw.get("info", {}))


def test_a_page_of_plain_reads_hands_its_session_to_the_next_request(
    thread: tuple[Visitor, int], made_sessions: list[AsyncSession]
) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    made_sessions.clear()
    for _ in range(3):
        page = author.get(f"/threads/{thread_id}")
        assert page.status_code == 200 and "Late nights are my trigger." in page.text
        assert "Sign out" in page.text
    assert made_sessions == []
    assert _kept(author) and all(_as_made(author, session) for session in _kept(author))


def test_a_session_that_held_objects_or_wrote_is_not_handed_on(
    thread: tuple[Visitor, int], made_sessions: list[AsyncSession]
) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    _kept(author).clear()
    # The account page loads the signed-in person as an ORM object: closed, not kept.
    assert author.get("/account").status_code == 200
    assert _kept(author) == []
    # A reply writes in its session: committed and closed, not kept.
    reply(author, thread_id, "Written with a session of its own.")
    assert _kept(author) == []
    made_sessions.clear()
    page = author.get(f"/threads/{thread_id}")
    assert "Written with a session of its own." in page.text
    assert len(made_sessions) == 1  # nothing was left to hand on
    assert all(_as_made(author, session) for session in _kept(author))


def test_a_session_with_anything_in_its_info_or_its_identity_map_is_not_kept(
    thread: tuple[Visitor, int]
) -> None:
    author, _thread_id = thread
    maker = _maker(author)
    scope: Any = {"app": author.app}
    _kept(author).clear()

    marked = maker()
    marked.info["left_by_a_request"] = True
    _keep_untouched(scope, marked)
    assert _kept(author) == []

    pending = maker()
    pending.add(User(username="x", username_key="x", email="x@example.org", password_hash="!"))
    _keep_untouched(scope, pending)
    assert _kept(author) == []

    holding = maker()
    known = User(id=1, username="y", username_key="y", email="y@example.org", password_hash="!")
    make_transient_to_detached(known)
    holding.add(known)
    assert holding.sync_session.identity_map
    _keep_untouched(scope, holding)
    assert _kept(author) == []

    fresh = maker()
    _keep_untouched(scope, fresh)
    _keep_untouched(scope, fresh)
    assert _kept(author) == [fresh]  # once, however often it is offered


def _signed_in(page: str) -> bool:
    return "Sign out" in page


def test_a_revoked_session_is_signed_out_on_the_next_view_of_a_kept_session(
    thread: tuple[Visitor, int], made_sessions: list[AsyncSession]
) -> None:
    author, thread_id = thread
    for _ in range(2):
        assert _signed_in(author.get(f"/threads/{thread_id}").text)
    token = author.jar.get(SESSION_COOKIE)
    assert token

    async def revoke_all(runtime: Any) -> None:
        user_id = (await runtime.sessions.get(token)).user_id
        await runtime.sessions.revoke_all(user_id)

    author.run(revoke_all)
    made_sessions.clear()
    page = author.get(f"/threads/{thread_id}")
    assert page.status_code == 200 and not _signed_in(page.text)
    assert made_sessions == []  # served on a kept session, and still signed out


def test_sign_out_then_back_in_with_kept_sessions(
    thread: tuple[Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    _author, thread_id = thread
    browser = new_visitor()
    browser.signup_and_login("returning_ks")
    for _ in range(2):
        assert _signed_in(browser.get(f"/threads/{thread_id}").text)
    old_token = browser.jar.get(SESSION_COOKIE)
    assert browser.post("/logout").status_code == 303
    assert not _signed_in(browser.get(f"/threads/{thread_id}").text)
    # The old cookie, replayed, is not signed in either.
    replay = new_visitor()
    replay.jar.set(SESSION_COOKIE, old_token, domain="testserver.local")
    assert not _signed_in(replay.get(f"/threads/{thread_id}").text)
    assert browser.login("returning_ks").status_code == 303
    page = browser.get(f"/threads/{thread_id}").text
    assert _signed_in(page) and "returning_ks" in page
    assert not _signed_in(replay.get(f"/threads/{thread_id}").text)


def test_a_role_granted_after_sign_in_shows_on_the_next_view_of_a_kept_session(
    thread: tuple[Visitor, int], made_sessions: list[AsyncSession]
) -> None:
    author, thread_id = thread
    for _ in range(2):
        page = author.get(f"/threads/{thread_id}").text
        assert _signed_in(page) and "Moderation queue" not in page
    grant(author, "author_ks", Role.MODERATOR)
    made_sessions.clear()
    response = author.get(f"/threads/{thread_id}")
    assert response.status_code == 200 and "Moderation queue" in response.text
    assert made_sessions == []


def test_a_password_changed_in_another_tab_signs_out_the_other_sessions_at_once(
    thread: tuple[Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    _author, thread_id = thread
    first = new_visitor()
    first.signup_and_login("two_tabs_ks")
    second = new_visitor()
    assert second.login("two_tabs_ks").status_code == 303
    for _ in range(2):
        assert _signed_in(first.get(f"/threads/{thread_id}").text)
        assert _signed_in(second.get(f"/threads/{thread_id}").text)
    changed = first.post("/account/password", {"current_password": STRONG_PASSWORD,
                                                 "new_password": "another horse battery 77"})
    assert changed.status_code == 303, changed.text
    assert not _signed_in(second.get(f"/threads/{thread_id}").text)
    assert _signed_in(first.get(f"/threads/{thread_id}").text)


def test_the_db_session_dependency_is_given_without_parsing_parameters(
    thread: tuple[Visitor, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    author, thread_id = thread
    author.get(f"/threads/{thread_id}")
    parsed: list[str] = []
    parse = SignatureModel.parse_values_from_connection_kwargs.__func__  # type: ignore[attr-defined]

    def counting(cls: type[SignatureModel], connection: Any, kwargs: dict[str, Any]) -> Any:
        parsed.append(cls.__name__)
        return parse(cls, connection, kwargs)

    monkeypatch.setattr(SignatureModel, "parse_values_from_connection_kwargs",
                        classmethod(counting))
    page = author.get(f"/threads/{thread_id}")
    assert page.status_code == 200 and "Late nights are my trigger." in page.text
    # The handler's own parameters only (its thread id), not the session's provider's.
    assert len(parsed) == 1, parsed


def test_the_db_session_dependency_outside_a_request_fails() -> None:
    with pytest.raises(RuntimeError):
        provide_db_session()
