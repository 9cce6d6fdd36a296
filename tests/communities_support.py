"""Shared helpers for the communities tests (imported by test_communities*, test_threads*,
test_search, test_notifications, test_xss); holds no tests itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import select

from community.accounts.models import Role, User, UserRole
from community.accounts.services import set_role
from community.app import create_app
from community.communities.demo import seed_communities
from community.communities.models import Post
from community.screening import HeldContent
from community.settings import Settings
from community.web import SESSION_COOKIE
from tests.helpers import KeywordScreener, RecordingSink, Visitor


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    # Pre-moderation of first posts has its own tests; elsewhere it would hide everything.
    return make_settings(premoderate_first_posts=0)


def db_run(visitor: Visitor, work: Callable[[Any], Any]) -> Any:
    """Run `await work(db)` in a session of the app's database and commit."""

    async def _run(runtime: Any) -> Any:
        from community.db import intent

        # A writer: on SQLite a deferred transaction that reads, then writes after another
        # connection (a traffic-counter flush) committed, fails with "database is locked".
        with intent(write=True):
            async with runtime.sessionmaker() as db:
                result = await work(db)
                await db.commit()
                return result

    return visitor.run(_run)


def scalar(visitor: Visitor, statement: Any) -> Any:
    async def _scalar(db: Any) -> Any:
        return await db.scalar(statement)

    return db_run(visitor, _scalar)


def seed(visitor: Visitor) -> None:
    db_run(visitor, seed_communities)


def grant(visitor: Visitor, username: str, role: Role) -> None:
    async def _grant(db: Any) -> None:
        user = await db.scalar(select(User).where(User.username == username))
        await set_role(db, actor=None, user=user, role=role, granted=True)

    db_run(visitor, _grant)


def person(new_visitor: Callable[[], Visitor], username: str, *, joins: tuple[str, ...] = (),
           role: Role | None = None) -> Visitor:
    """A new browser signed in as a new patient (plus `role`), member of `joins`.

    The account and its session are made directly: registration and sign-in have their
    own tests, and password hashing would make every test here take seconds.
    """
    visitor = new_visitor()

    async def _create(runtime: Any) -> str:
        async with runtime.sessionmaker() as db:
            user = User(username=username, username_key=username.lower(),
                        email=f"{username}@example.org", password_hash="!")
            user.roles.append(UserRole(role=Role.PATIENT))
            if role is not None:
                user.roles.append(UserRole(role=role))
            db.add(user)
            await db.commit()
            token: str = await runtime.sessions.create(
                user.id, user.privilege_version, lifetime=timedelta(hours=1),
                client_address="testclient", user_agent="pytest")
            return token

    token = visitor.run(_create)
    visitor.jar.set(SESSION_COOKIE, token, domain="testserver.local")
    for slug in joins:
        assert visitor.post(f"/communities/{slug}/join").status_code == 303
    return visitor


def start_thread(visitor: Visitor, slug: str, title: str = "Tired on methotrexate",
                 body: str = "Anyone else feel exhausted the day after?", *,
                 audience: str = "members", kind: str = "discussion") -> int:
    response = visitor.post(f"/communities/{slug}/threads",
                            {"title": title, "body": body, "audience": audience, "kind": kind})
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/threads/(\d+)", response.headers["location"])
    assert match
    return int(match.group(1))


def opening_post(visitor: Visitor, thread_id: int) -> int:
    return int(scalar(visitor, select(Post.id).where(Post.thread_id == thread_id)
                      .order_by(Post.id).limit(1)))


def reply(visitor: Visitor, thread_id: int, body: str) -> int:
    response = visitor.post(f"/threads/{thread_id}/replies", {"body": body})
    assert response.status_code == 303, response.text
    match = re.search(r"#post-(\d+)$", response.headers["location"])
    assert match
    return int(match.group(1))


def thread_with_a_reply(visitor: Visitor, new_visitor: Callable[[], Visitor],
                        author_name: str) -> tuple[Visitor, int]:
    """The site seeded, `author_name` in epilepsy with a thread of theirs and one reply."""
    seed(visitor)
    author = person(new_visitor, author_name, joins=("epilepsy",))
    thread_id = start_thread(author, "epilepsy", title="Sleep and seizures")
    reply(author, thread_id, "Late nights are my trigger.")
    return author, thread_id


def post_status(visitor: Visitor, post_id: int) -> str:
    return str(scalar(visitor, select(Post.status).where(Post.id == post_id)))






@pytest.fixture
def app(settings: Settings) -> Litestar:
    return build_app(settings)


def build_app(settings: Settings) -> Litestar:
    """The app with the keyword screener and a recording review sink."""
    application = create_app(settings, screener_factory=KeywordScreener)
    application.state.runtime.review_sink = RecordingSink()
    return application


def reviews(visitor: Visitor) -> list[HeldContent]:
    return visitor.app.state.runtime.review_sink.opened  # type: ignore[no-any-return]
