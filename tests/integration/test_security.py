"""CSRF on every state-changing route, security headers, role guards, health."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from community.accounts.models import Role, User
from community.app import create_app
from community.web import CONTENT_SECURITY_POLICY
from tests.conftest import BACKENDS, settings_for, shared_visitor
from tests.helpers import Visitor

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def state_changing_paths(app: Litestar) -> list[tuple[str, str]]:
    """Every (method, path) that changes state, with path parameters filled in."""
    found = []
    for route in app.routes:
        # The API authenticates with tokens; an unsubscribe link with its signature (mail
        # clients post to it with no cookie, RFC 8058; test_follow_digest forges one).
        if not isinstance(route, HTTPRoute) or route.path.startswith(("/api/", "/unsubscribe/")):
            continue
        for method in sorted(set(route.methods) & UNSAFE):
            path = re.sub(r"\{[^}:]+:int\}", "1", route.path)
            path = re.sub(r"\{[^}]+\}", "x", path)
            found.append((method, path))
    return found


def test_every_state_changing_route_rejects_a_missing_csrf_token(
    app: Litestar, visitor: Visitor
) -> None:
    visitor.signup_and_login("csrf_probe")
    routes = state_changing_paths(app)
    assert ("POST", "/login") in routes and ("POST", "/logout") in routes
    for method, path in routes:
        response = visitor.client.request(method, path, data={"x": "1"}, follow_redirects=False)
        assert response.status_code == 403, f"{method} {path} accepted a request without CSRF"
        forged = visitor.client.request(method, path, data={"_csrf_token": "forged"},
                                        headers={"X-CSRFToken": "forged"},
                                        follow_redirects=False)
        assert forged.status_code == 403, f"{method} {path} accepted a forged CSRF token"


@pytest.fixture(scope="module", params=BACKENDS)
def anonymous(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Visitor]:
    """One signed-out browser on an empty site per backend, for the tests that only read."""
    with shared_visitor(request, tmp_path_factory.mktemp("site")) as visitor:
        yield visitor


def test_htmx_requests_pass_csrf_in_a_header(visitor: Visitor) -> None:
    visitor.register("header_user")
    response = visitor.post("/login", {"identifier": "header_user",
                                       "password": "correct horse battery staple 42"}, htmx=True)
    assert response.status_code == 303


def test_security_headers_on_every_response(anonymous: Visitor) -> None:
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    for path in ["/", "/login", "/register", "/nowhere"]:
        response = anonymous.get(path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path


def test_no_inline_scripts_in_pages(anonymous: Visitor) -> None:
    for path in ["/", "/login", "/register"]:
        html = anonymous.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert ' style="' not in html and " onclick=" not in html


def test_signed_in_pages_are_not_stored(visitor: Visitor) -> None:
    assert visitor.get("/").headers["cache-control"] != "no-store"
    visitor.signup_and_login("cache_check")
    for path in ["/", "/account"]:
        assert visitor.get(path).headers["cache-control"] == "no-store"


def test_error_pages_use_the_layout(anonymous: Visitor) -> None:
    response = anonymous.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text and 'class="site-header"' in response.text


def grant(visitor: Visitor, username: str, role: Role) -> None:
    from sqlalchemy import select

    from community.accounts.services import set_role

    async def _grant(runtime) -> None:  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db, db.begin():
            user = await db.scalar(select(User).where(User.username == username))
            await set_role(db, actor=None, user=user, role=role, granted=True)

    visitor.run(_grant)


def test_role_guards(visitor: Visitor, new_visitor) -> None:
    anonymous = new_visitor()
    assert anonymous.get("/admin/users").status_code == 303  # sign in first
    patient = new_visitor()
    patient.signup_and_login("plain_patient")
    for role in (Role.CLINICIAN, Role.RESEARCHER, Role.MODERATOR, None):
        person = new_visitor()
        name = f"person_{role.value if role else 'patient'}"
        person.signup_and_login(name)
        if role:
            grant(person, name, role)
        assert person.get("/admin/users").status_code == 403, role
        assert person.get("/admin/audit").status_code == 403, role
        assert person.post("/admin/users/1/roles", {"role": "admin", "grant": "1"}).status_code == 403
    visitor.signup_and_login("the_admin")
    grant(visitor, "the_admin", Role.ADMIN)
    assert visitor.get("/admin/users").status_code == 200
    assert visitor.get("/admin/audit").status_code == 200


def test_admin_grants_moderator_audited_and_session_rotated(visitor: Visitor, new_visitor) -> None:
    visitor.signup_and_login("boss_admin")
    grant(visitor, "boss_admin", Role.ADMIN)
    helper = new_visitor()
    helper.signup_and_login("future_mod")
    before = helper.jar.get("kindred_session")
    users = visitor.get("/admin/users?q=future_mod").text
    user_id = re.search(r'/admin/users/(\d+)/roles', users).group(1)
    refused = visitor.post(f"/admin/users/{user_id}/roles", {"role": "clinician", "grant": "1"})
    assert refused.status_code == 400, "clinician comes only from vetting"
    assert visitor.post(f"/admin/users/{user_id}/roles",
                        {"role": "moderator", "grant": "1"}).status_code == 303
    page = helper.get("/account")
    assert page.status_code == 200 and "moderator" in page.text
    after = helper.jar.get("kindred_session")
    assert after and after != before, "a privilege change rotates the session id"
    old = new_visitor()
    old.jar.set("kindred_session", before, domain="testserver.local")
    assert old.get("/account").status_code == 303
    audit = visitor.get("/admin/audit").text
    assert "role.granted" in audit


def test_healthz(anonymous: Visitor) -> None:
    assert anonymous.get("/healthz").status_code == 200


def test_healthz_answers_503_without_database(tmp_path) -> None:
    from litestar.testing import TestClient

    # The database is a SQLite file that cannot exist, whichever backend the suite runs.
    broken = settings_for(f"sqlite+aiosqlite:///{tmp_path}/missing/dir/db.sqlite", tmp_path)
    with TestClient(create_app(broken)) as client:
        assert client.get("/healthz").status_code == 503
