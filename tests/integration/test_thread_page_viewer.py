"""The thread page takes the signed-in person as plain values (`Viewer`, read without the
ORM) and the thread as plain rows: roles, rotation after a privilege change, a closed
account, members-only threads and held posts still decide what it shows, with either
session store."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from community.accounts.models import Role, User
from community.accounts.services import set_role
from community.db import Base
from community.settings import Settings
from community.web import SESSION_COOKIE
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    grant,
    person,
    reply,
    seed,
    start_thread,
)
from tests.helpers import CSRF_FIELD, Visitor, loaded_objects

HELD = "HOLDME my neighbour Jane Roe has the same"


@pytest.fixture(params=["database", "redis"])
def settings(request: pytest.FixtureRequest, make_settings: Callable[..., Settings]) -> Settings:
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")  # skipped without a test Redis
        return make_settings(premoderate_first_posts=0, redis_url=redis_url,
                             redis_prefix=f"kindred-test-{uuid.uuid4().hex[:8]}")
    return make_settings(premoderate_first_posts=0)


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[Visitor, int]:
    """A members-only thread in epilepsy with a published reply and a held one."""
    seed(visitor)
    author = person(new_visitor, "author_pv", joins=("epilepsy",))
    thread_id = start_thread(author, "epilepsy", title="Night seizures")
    reply(author, thread_id, "Mine come at night, mostly.")
    reply(author, thread_id, HELD)
    return author, thread_id


def _set_role(visitor: Visitor, username: str, role: Role, *, granted: bool) -> None:
    async def change(db: Any) -> None:
        user = await db.scalar(select(User).where(User.username == username))
        await set_role(db, actor=None, user=user, role=role, granted=granted)

    db_run(visitor, change)


def _new_session_cookie(response: Any) -> str | None:
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(f"{SESSION_COOKIE}="):
            return str(value.split(";", 1)[0].split("=", 1)[1])
    return None


def test_a_role_granted_after_sign_in_reaches_the_thread_page_with_the_session_rotated(
    thread: tuple[Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    author, thread_id = thread
    outsider = person(new_visitor, "outsider_pv")
    page = outsider.get(f"/threads/{thread_id}").text
    assert "This thread is for members of" in page
    assert "Mine come at night" not in page and "Jane Roe" not in page
    assert "Moderation queue" not in page

    grant(author, "outsider_pv", Role.MODERATOR)
    response = outsider.get(f"/threads/{thread_id}")
    assert response.status_code == 200
    assert _new_session_cookie(response)  # rotated: minted under the new privileges
    # Staff read every thread, held posts included, and get the staff menu.
    assert "Mine come at night" in response.text and "Jane Roe" in response.text
    assert "Moderation queue" in response.text
    assert "Join to reply" not in response.text

    _set_role(author, "outsider_pv", Role.MODERATOR, granted=False)
    page = outsider.get(f"/threads/{thread_id}").text
    assert "This thread is for members of" in page
    assert "Jane Roe" not in page and "Moderation queue" not in page


def test_a_member_sees_published_posts_and_the_author_their_own_held_one(
    thread: tuple[Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    author, thread_id = thread
    member = person(new_visitor, "member_pv", joins=("epilepsy",))
    for _view in range(2):  # afresh, then from kept cards
        page = member.get(f"/threads/{thread_id}").text
        assert "Mine come at night" in page and "Jane Roe" not in page
        assert 'id="reply-form"' in page
        own = author.get(f"/threads/{thread_id}").text
        assert "Jane Roe" in own
        # The held card is rendered afresh for its author, the others are kept: every
        # form on the page carries the author's own token.
        assert set(CSRF_FIELD.findall(own)) == {author.csrf()}
        assert set(CSRF_FIELD.findall(page)) == {member.csrf()}


def test_an_account_closed_meanwhile_is_signed_out_on_the_thread_page(
    thread: tuple[Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    _author, thread_id = thread
    member = person(new_visitor, "closing_pv", joins=("epilepsy",))
    assert "Sign out" in member.get(f"/threads/{thread_id}").text

    async def close(db: Any) -> None:
        user = await db.scalar(select(User).where(User.username == "closing_pv"))
        user.is_active = False

    db_run(member, close)
    response = member.get(f"/threads/{thread_id}")
    assert response.status_code == 200
    assert _new_session_cookie(response) == ""  # the cookie is cleared
    assert "Sign out" not in response.text
    assert "This thread is for members of" in response.text


def test_a_signed_in_view_of_kept_cards_builds_no_orm_objects(
    thread: tuple[Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    """The session with the account and roles, the thread with its community, the reader's
    membership and draft, and the posts' facts are all read as plain rows."""
    _author, thread_id = thread
    member = person(new_visitor, "plain_pv", joins=("epilepsy",))
    member.get(f"/threads/{thread_id}")  # warm: the cards, the layout, the session's mark
    with loaded_objects(Base) as loaded:
        page = member.get(f"/threads/{thread_id}").text
    assert "Mine come at night" in page and "Sign out" in page
    assert loaded == []
