"""Readers on every GET route, in every role, while writers post, reply, react, record
symptoms and send messages: on SQLite behind two granian workers and on PostgreSQL.
Not one 5xx, and every write the site acknowledged (a 303) is in the database afterwards.

Bounded: RUN_SECONDS of traffic (or MAX_REQUESTS per reader), then the database is read.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Router

from tests.forms import form_posting_to
from tests.system.conftest import Browser, Server, base_env, migrate, start_thread

RUN_SECONDS = 20.0
MAX_REQUESTS = 400
SLUG = "multiple-sclerosis"
READER_ROLES = ["anonymous", "patient", "clinician", "moderator", "admin", "researcher"]


@pytest.fixture
def busy_server(server_database: str, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    env = base_env(server_database, tmp_path / "var")
    migrate(env, tmp_path / "migrate.log")
    # Two workers: on SQLite, two processes contend for the one write lock.
    server = Server(env, tmp_path / "server.log", workers=2)
    try:
        server.start()
        yield server, server_database
    finally:
        server.stop()


async def _grant(database_url: str, username: str, role: str) -> None:
    from sqlalchemy import insert, select

    from community.accounts.models import User, UserRole
    from community.db import make_engine

    engine = make_engine(database_url, pool=False)
    try:
        async with engine.begin() as connection:
            user_id = (await connection.execute(
                select(User.id).where(User.username_key == username))).scalar_one()
            await connection.execute(insert(UserRole).values(user_id=user_id, role=role))
    finally:
        await engine.dispose()


def get_paths(thread_id: int, post_id: int, writer: str) -> list[str]:
    """Every GET route of the app, its parameters filled with objects that exist."""
    from community.app import route_handlers

    values = {"slug": SLUG, "thread_id": str(thread_id), "post_id": str(post_id),
              "username": writer, "reference": "1", "token": "no-such-token"}
    templates: set[str] = set()
    for handler in route_handlers():
        if isinstance(handler, Router):
            templates.update(route.path for route in handler.routes if "GET" in route.methods)
        elif "GET" in handler.http_methods:
            templates.update(handler.paths)
    return sorted(re.sub(r"\{(\w+):(\w+)\}",
                         lambda m: values.get(m.group(1), "1" if m.group(2) == "int" else "x"),
                         template) for template in templates)


@dataclass
class Ledger:
    """What the site answered: 5xx and timeouts, and the writes it acknowledged."""

    failures: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    posts: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    symptoms: Counter[str] = field(default_factory=Counter)
    reactions: dict[tuple[str, int], bool] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, label: str, call: Any) -> httpx.Response | None:
        try:
            response = call()
        except httpx.HTTPError as exc:
            with self.lock:
                self.failures.append(f"{label}: {type(exc).__name__}")
            return None
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.failures.append(f"{label}: {response.status_code}")
        return response


def read_loop(browser: Browser, role: str, paths: list[str], deadline: float,
              ledger: Ledger) -> None:
    for n in range(MAX_REQUESTS):
        if time.monotonic() > deadline:
            return
        path = paths[n % len(paths)]
        ledger.answer(f"{role} GET {path}", lambda p=path: browser.get(p))  # type: ignore[misc]


def write_loop(browser: Browser, name: str, partner: str, thread_id: int, post_id: int,
               symptom_id: str, deadline: float, ledger: Ledger) -> None:
    n = 0
    while time.monotonic() < deadline and n < MAX_REQUESTS // 5:
        n += 1
        marker = f"{name} note {n}"
        step = n % 5
        if step == 0:
            answer = ledger.answer(f"{name} new thread", lambda: browser.post(
                f"/communities/{SLUG}/threads",
                {"title": f"Cooling tips {marker}", "body": f"What helps you? {marker}",
                 "audience": "public", "kind": "discussion"}))
            acknowledged = ledger.posts
        elif step == 1:
            answer = ledger.answer(f"{name} reply", lambda: browser.post(
                f"/threads/{thread_id}/replies", {"body": f"A cold towel works. {marker}"}))
            acknowledged = ledger.posts
        elif step == 2:
            # To the other writer and to a reader, who both open their conversations.
            to = partner if n % 2 else "reader_patient"
            answer = ledger.answer(f"{name} message", lambda: browser.post(
                f"/messages/{to}", {"body": f"How are you today? {marker}"}))
            acknowledged = ledger.messages
            ledger.answer(f"{name} GET /messages/{partner}",
                          lambda: browser.get(f"/messages/{partner}"))
        elif step == 3:
            answer = ledger.answer(f"{name} symptom", lambda: browser.post(
                "/my/symptoms", {"symptom_id": symptom_id, "severity": "2"}))
            if answer is not None and answer.status_code == 303:
                with ledger.lock:
                    ledger.symptoms[name] += 1
            continue
        else:
            answer = ledger.answer(f"{name} react", lambda: browser.post(
                f"/posts/{post_id}/react", {"kind": "helpful"}))
            if answer is not None and answer.status_code == 303:
                with ledger.lock:
                    key = (name, post_id)
                    ledger.reactions[key] = not ledger.reactions.get(key, False)
            continue
        if answer is not None and answer.status_code == 303:
            with ledger.lock:
                acknowledged.append(marker)


async def _stored(database_url: str) -> dict[str, Any]:
    from sqlalchemy import func, select

    from community.accounts.models import User
    from community.communities.models import Post, Reaction
    from community.db import make_engine
    from community.messages.models import Message
    from outcomes.tracking.models import SymptomEntry

    engine = make_engine(database_url, pool=False)
    try:
        async with engine.connect() as db:
            posts = [row[0] for row in await db.execute(select(Post.body))]
            messages = [row[0] for row in await db.execute(select(Message.body))]
            symptoms = dict((await db.execute(
                select(User.username, func.count(SymptomEntry.id))
                .join(SymptomEntry, SymptomEntry.user_id == User.id)
                .group_by(User.username))).all())
            reactions = {(row[0], row[1]) for row in await db.execute(
                select(User.username, Reaction.post_id).join(User, User.id == Reaction.user_id)
                .where(Reaction.kind == "helpful"))}
    finally:
        await engine.dispose()
    return {"posts": posts, "messages": messages, "symptoms": symptoms,
            "reactions": reactions}


@pytest.mark.long
def test_readers_never_fail_while_writers_write(busy_server: tuple[Server, str]) -> None:
    server, database_url = busy_server
    writers = ["writer_ana", "writer_ben"]
    browsers: dict[str, Browser] = {}
    for n, name in enumerate(writers + [f"reader_{r}" for r in READER_ROLES[1:]]):
        browser = Browser(server.url, source=f"127.0.1.{n + 1}")
        assert browser.register(name).status_code == 303
        role = name.removeprefix("reader_")
        if role in {"clinician", "moderator", "admin", "researcher"}:
            asyncio.run(_grant(database_url, name, role))
        assert browser.login(name).status_code == 303
        browsers[name] = browser
    browsers["reader_anonymous"] = Browser(server.url, source="127.0.2.1")

    thread_id = start_thread(browsers["writer_ana"], SLUG, "Heat and fatigue",
                             "How do you cope with the heat? (first post)")
    thread_page = browsers["writer_ana"].get(f"/threads/{thread_id}").text
    post_id = int(re.findall(r'action="/posts/(\d+)/', thread_page)[0])
    symptom_form = form_posting_to(browsers["writer_ben"].get("/my/symptoms").text,
                                   "/my/symptoms")
    symptom_id = next(o for f in symptom_form.fields if f.name == "symptom_id"
                      for o in f.options if o)
    paths = sorted({*get_paths(thread_id, post_id, "writer_ben"),
                    *get_paths(thread_id, post_id, "writer_ana")})
    assert "/messages/writer_ben" in paths and f"/threads/{thread_id}" in paths
    assert len(paths) > 40, paths

    ledger = Ledger()
    deadline = time.monotonic() + RUN_SECONDS
    with ThreadPoolExecutor(max_workers=len(READER_ROLES) + len(writers)) as pool:
        jobs = [pool.submit(read_loop, browsers[f"reader_{role}"], role, paths, deadline,
                            ledger) for role in READER_ROLES]
        jobs += [pool.submit(write_loop, browsers[name], name,
                             writers[(i + 1) % len(writers)], thread_id, post_id, symptom_id,
                             deadline, ledger) for i, name in enumerate(writers)]
        for job in jobs:
            job.result()

    assert ledger.failures == [], (f"{len(ledger.failures)} failures of "
                                   f"{sum(ledger.statuses.values())} requests: "
                                   f"{ledger.failures[:30]}")
    assert ledger.posts and ledger.messages and ledger.symptoms, "the writers wrote"
    stored = _stored_now(database_url)
    missing_posts = [m for m in ledger.posts if not any(m in body for body in stored["posts"])]
    missing_messages = [m for m in ledger.messages
                        if not any(m in body for body in stored["messages"])]
    assert missing_posts == [] and missing_messages == [], (missing_posts, missing_messages)
    assert {k: v for k, v in ledger.symptoms.items()} == {
        k: v for k, v in stored["symptoms"].items() if k in ledger.symptoms}
    assert {key for key, on in ledger.reactions.items() if on} == stored["reactions"]
    # Reading answered, and not only with refusals.
    assert ledger.statuses[200] > len(paths)


def _stored_now(database_url: str) -> dict[str, Any]:
    return asyncio.run(_stored(database_url))
