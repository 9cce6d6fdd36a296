"""A test visitor that speaks HTTP like a browser: cookies, CSRF tokens, forms."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event

from community import sqlite_driver
from community.runtime import Runtime
from community.screening import (
    AuthorContext,
    HeldContent,
    ScreenAction,
    ScreenLabel,
    Span,
    Verdict,
)

STRONG_PASSWORD = "correct horse battery staple 42"
# The CSRF token a page's forms carry (one per form).
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')

T = TypeVar("T")


class Visitor:
    """One browser. Several visitors may share a test client (and so its event loop); each
    keeps its own cookie jar, swapped in for its requests."""

    def __init__(self, client: TestClient[Litestar], jar: httpx.Cookies | None = None) -> None:
        self.client = client
        self.jar = jar if jar is not None else client.cookies

    def _use_jar(self) -> None:
        self.client.cookies = self.jar
        self.jar = self.client.cookies

    @property
    def app(self) -> Litestar:
        return self.client.app

    def csrf(self) -> str:
        self._use_jar()
        token = self.client.cookies.get("csrftoken")
        if not token:
            self.client.get("/")
            token = self.client.cookies.get("csrftoken")
        assert token, "the site did not set a CSRF cookie"
        return token

    def get(self, url: str, *, htmx: bool = False, **kwargs: Any) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        self._use_jar()
        return self.client.get(url, headers=headers, follow_redirects=False, **kwargs)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, htmx: bool = False,
        csrf: bool = True, **kwargs: Any,
    ) -> httpx.Response:
        payload = dict(data or {})
        headers = kwargs.pop("headers", {})
        if csrf:
            token = self.csrf()
            if htmx:
                headers["X-CSRFToken"] = token
            else:
                payload["_csrf_token"] = token
        if htmx:
            headers["HX-Request"] = "true"
        self._use_jar()
        return self.client.post(url, data=payload, headers=headers, follow_redirects=False,
                                **kwargs)

    def register(self, username: str, email: str | None = None,
                 password: str = STRONG_PASSWORD) -> httpx.Response:
        return self.post("/register", {"username": username,
                                       "email": email or f"{username}@example.org",
                                       "password": password})

    def login(self, identifier: str, password: str = STRONG_PASSWORD) -> httpx.Response:
        return self.post("/login", {"identifier": identifier, "password": password})

    def signup_and_login(self, username: str) -> None:
        assert self.register(username).status_code == 303
        response = self.login(username)
        assert response.status_code == 303, response.text

    def run(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """Run a coroutine against the app's runtime inside the app's event loop.

        The work counts as a writer: on SQLite a deferred transaction that reads, then writes
        after another connection (a background summary or counter flush) committed, fails with
        "database is locked", so its transactions take the write lock up front.
        """
        from community.db import intent

        runtime: Runtime = self.app.state.runtime
        portal = self.client.blocking_portal
        assert portal is not None

        async def as_writer(runtime: Runtime) -> T:
            with intent(write=True):
                return await work(runtime)

        return portal.call(as_writer, runtime)


def statements_of(visitor: Visitor, url: str, *, selects_only: bool = False) -> list[str]:
    """The SQL statements one successful view of `url` issues (only SELECTs if asked)."""
    from sqlalchemy import event

    engine = visitor.app.state.runtime.engine.sync_engine
    statements: list[str] = []

    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not selects_only or statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        response = visitor.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", _record)
    assert response.status_code == 200, response.text
    return statements


def outbox_messages(var_dir: Path) -> list[Any]:
    folder = var_dir / "outbox"
    if not folder.exists():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [message_from_bytes(p.read_bytes()) for p in files]


def run_sync(coroutine: Awaitable[T]) -> T:
    return asyncio.get_event_loop().run_until_complete(coroutine)  # type: ignore[arg-type]


class KeywordScreener:
    """A predictable screener: marker words in the text choose the verdict, so tests can
    drive every branch of what publishing does with it."""

    def screen(self, text: str, *, author_role: str, venue: str,
               author_context: AuthorContext | None = None) -> Verdict:
        if "HOLDME" in text:
            return Verdict(labels=(ScreenLabel.IDENTIFYING,), action=ScreenAction.HOLD,
                           spans=(Span(0, 6, "name"),))
        if "ADVICEME" in text:
            return Verdict(labels=(ScreenLabel.ADVICE_REQUEST,),
                           action=ScreenAction.MOVE_OFF_PLATFORM)
        if "CRISISME" in text:
            return Verdict(labels=(ScreenLabel.URGENT,), action=ScreenAction.CRISIS_SUPPORT)
        if "MAYBECRISIS" in text:
            return Verdict(urgent_possible=True)
        return Verdict()


class RecordingSink:
    """A review sink that keeps what it was sent to review."""

    def __init__(self) -> None:
        self.opened: list[HeldContent] = []

    async def open_review(self, db: Any, content: HeldContent) -> None:
        self.opened.append(content)


def queue_wired_app(settings: Any) -> Any:
    """The app with the keyword screener and the moderation queue plugged in as app.py
    wires the real ones: held texts reach the queue and its decisions apply."""
    from community.app import create_app

    return create_app(settings, screener_factory=KeywordScreener)


@contextmanager
def sqlite_trips(visitor: Visitor) -> Iterator[list[object]]:
    """The reads sent to SQLite's connection thread while inside (none on PostgreSQL)."""
    trips: list[object] = []
    if visitor.app.state.runtime.engine.dialect.name != "sqlite":
        yield trips
        return
    real_trip = sqlite_driver.OneTripCursor._trip

    async def counted(cursor: Any, work: Callable[[], Any]) -> Any:
        # Reads only: a write beside the page (a counter flushed by another task) has its
        # own transaction and its own trips.
        statement = getattr(work, "args", ("",))[0]
        if isinstance(statement, str) and statement.lstrip().upper().startswith("SELECT"):
            trips.append(work)
        return await real_trip(cursor, work)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sqlite_driver.OneTripCursor, "_trip", counted)
        yield trips


def statements_without_commit(visitor: Visitor, url: str) -> list[str]:
    """The statements of one view of `url`, checked to commit nothing: a page that only
    reads runs without a transaction (community.db.reads_only)."""
    commits: list[object] = []
    engine = visitor.app.state.runtime.engine.sync_engine

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", committed)
    try:
        statements = statements_of(visitor, url)
    finally:
        event.remove(engine, "commit", committed)
    assert not commits, url
    return statements


@contextmanager
def loaded_objects(*classes: type) -> Iterator[list[str]]:
    """The names of the ORM classes whose objects are loaded from rows while inside (of
    `classes` and their subclasses)."""
    loaded: list[str] = []

    def on_load(target: object, _context: Any) -> None:
        loaded.append(type(target).__name__)

    for cls in classes:
        event.listen(cls, "load", on_load, propagate=True)
    try:
        yield loaded
    finally:
        for cls in classes:
            event.remove(cls, "load", on_load)
