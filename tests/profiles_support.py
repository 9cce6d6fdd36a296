"""Shared by the profile, like-me, message, scraping and held-text tests: the `app` fixture
(keyword screener, recording review sink) and helpers. Holds no tests itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from community.accounts.models import Role, User, UserRole
from community.communities.models import Community
from community.db import intent
from community.web import SESSION_COOKIE
from tests.helpers import RecordingSink, Visitor

XSS_PAYLOADS = [
    line for line in
    (Path(__file__).parent / "data" / "xss_payloads.txt").read_text().splitlines()
    if line.strip()
]








@pytest.fixture
def app(settings):
    from tests.communities_support import build_app

    return build_app(settings)


def sink(visitor: Visitor) -> RecordingSink:
    return visitor.app.state.runtime.review_sink


def query(visitor: Visitor, statement: Any) -> list[Any]:
    async def _run(runtime):
        async with runtime.sessionmaker() as db:
            return list((await db.execute(statement)).scalars())

    return visitor.run(_run)


def make_community(visitor: Visitor, slug: str, name: str | None = None) -> int:
    async def _make(runtime):
        with intent(write=True):
            async with runtime.sessionmaker() as db, db.begin():
                community = Community(slug=slug, name=name or slug.title(), icd10="G35",
                                      condition_slug=slug)
                db.add(community)
                await db.flush()
                return community.id

    return visitor.run(_make)


def member(
    new_visitor: Callable[[], Visitor], username: str, *communities: str,
    roles: tuple[Role, ...] = (),
) -> Visitor:
    """A signed-in browser for a new member of `communities`.

    The account and its session are made directly: registration and sign-in have their own
    tests, and hashing a password per person would make these tests slow.
    """
    person = new_visitor()

    async def _create(runtime):
        with intent(write=True):
            async with runtime.sessionmaker() as db, db.begin():
                user = User(username=username, username_key=username.lower(),
                            email=f"{username}@example.org", password_hash="!unusable")
                user.roles.extend(UserRole(role=role) for role in {Role.PATIENT, *roles})
                db.add(user)
                await db.flush()
                user_id = user.id
        return await runtime.sessions.create(user_id, 1, lifetime=timedelta(hours=1),
                                             client_address="testclient", user_agent="tests")

    person.jar.set(SESSION_COOKIE, person.run(_create), domain="testserver.local")
    for slug in communities:
        assert person.post(f"/communities/{slug}/join").status_code == 303
    return person


def profile_form(**overrides: str) -> dict[str, str]:
    form = {"sex": "", "sex_visibility": "members", "age_band": "",
            "age_band_visibility": "members",
            "country": "", "country_visibility": "members", "about": "",
            "about_visibility": "members", "discoverable": "members"}
    form.update(overrides)
    return form


class Inertness(HTMLParser):
    """Collects anything in a page that could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not (dict(attrs).get("src") or "").startswith("/static/"):
            self.problems.append("inline script")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag} {name}")
            if (value or "").strip().lower().replace("\t", "").startswith("javascript:"):
                self.problems.append(f"{tag} {name}={value}")


def assert_inert(html: str) -> None:
    parser = Inertness()
    parser.feed(html)
    assert parser.problems == []
