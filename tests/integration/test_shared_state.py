"""Two app instances (two processes' worth of state) share sessions and lockouts via Redis."""

from __future__ import annotations

import uuid

import httpx
from litestar.testing import TestClient

from community.app import create_app
from tests.helpers import STRONG_PASSWORD, Visitor


def test_lockout_and_sessions_hold_across_two_instances(make_settings, redis_url) -> None:
    prefix = f"kindred-test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(redis_url=redis_url, redis_prefix=prefix)
    first_app, second_app = create_app(settings), create_app(settings)
    with TestClient(first_app, base_url="http://testserver.local") as one, \
            TestClient(second_app, base_url="http://testserver.local") as two:
        a, b = Visitor(one), Visitor(two)
        a.register("shared_state")
        for attempt in range(5):
            target = a if attempt % 2 == 0 else b
            assert target.login("shared_state", "wrong password again").status_code == 400
        assert b.login("shared_state").status_code == 429, "lockout counted across instances"
        assert a.login("shared_state").status_code == 429

        a.register("roaming_user")
        assert a.login("roaming_user").status_code == 303
        token = a.jar.get("kindred_session")
        elsewhere = Visitor(two, httpx.Cookies())
        elsewhere.jar.set("kindred_session", token, domain="testserver.local")
        assert elsewhere.get("/account").status_code == 200, "a session made on one is valid on the other"
        assert elsewhere.post("/logout").status_code == 303
        assert a.get("/account").status_code == 303, "revoked on one, gone on both"


def test_database_store_shares_sessions_without_redis(make_settings) -> None:
    settings = make_settings()
    with TestClient(create_app(settings), base_url="http://testserver.local") as one, \
            TestClient(create_app(settings), base_url="http://testserver.local") as two:
        a = Visitor(one)
        a.signup_and_login("db_shared")
        other = Visitor(two, httpx.Cookies())
        other.jar.set("kindred_session", a.jar.get("kindred_session"), domain="testserver.local")
        assert other.get("/account").status_code == 200
        assert STRONG_PASSWORD not in other.get("/account").text
