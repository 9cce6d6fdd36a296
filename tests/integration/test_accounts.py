"""Registration, sign-in, sessions, passwords and e-mail links, through HTTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from community import sqlite_driver
from community.accounts.models import User, UserSession
from community.audit import AuditEntry
from community.web import SESSION_COOKIE
from tests.helpers import STRONG_PASSWORD, Visitor, outbox_messages


def count(visitor: Visitor, statement) -> int:  # type: ignore[no-untyped-def]
    async def _count(runtime):  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db:
            return await db.scalar(statement)

    return visitor.run(_count)


def users_named(visitor: Visitor, username: str) -> int:
    return count(visitor, select(func.count()).select_from(User).where(User.username == username))


def test_register_creates_patient_and_sends_verification(visitor: Visitor, settings) -> None:
    response = visitor.register("quiet_heron")
    assert response.status_code == 303
    assert response.headers["location"] == "/register/done"
    assert users_named(visitor, "quiet_heron") == 1
    mails = outbox_messages(settings.var_dir)
    assert mails and mails[-1]["To"] == "quiet_heron@example.org"
    link = re.search(r"/verify-email/\S+", mails[-1].get_payload(decode=True).decode())
    assert link
    assert visitor.get(link.group(0)).status_code == 200
    assert visitor.get(link.group(0)).status_code == 400, "a verification link works once"


def test_get_routes_that_write_take_the_write_lock_first(visitor: Visitor, settings) -> None:
    # A GET that reads and then writes in a deferred SQLite transaction fails at once
    # ("database is locked") when any other connection wrote meanwhile, such as the
    # traffic counters' flush: routes marked WRITES begin as unsafe methods do.
    from litestar import HttpMethod
    from sqlalchemy import event

    marked = {
        route.path for route in visitor.app.routes
        for handler in getattr(route, "route_handlers", [])
        if HttpMethod.GET in handler.http_methods and handler.opt.get("writes")
    }
    assert {"/verify-email/{token:str}", "/research/exports/{job_id:int}/download",
            "/api/v1/research/exports/{job_id:int}/download"} <= marked, marked

    visitor.register("early_lock")
    link = re.search(r"/verify-email/\S+",
                     outbox_messages(settings.var_dir)[-1].get_payload(decode=True).decode())
    assert link
    engine = visitor.app.state.runtime.engine.sync_engine
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL has no deferred write lock to take early
    begun: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begun.append(statement)

    # A transaction's BEGIN goes with its first statement (community.sqlite_driver).
    defer = sqlite_driver.OneTripConnection.defer

    def deferred(driver, sql, parameters) -> None:  # type: ignore[no-untyped-def]
        record(None, None, sql)
        defer(driver, sql, parameters)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sqlite_driver.OneTripConnection, "defer", deferred)
            assert visitor.get(link.group(0)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert "BEGIN IMMEDIATE" in begun, begun


# Each refused form, with the field it names and the message it shows.
BAD_REGISTRATIONS = [
    ({"username": "", "email": "a@example.org", "password": STRONG_PASSWORD}, "username",
     "Choose a username"),
    ({"username": "ok_name", "email": "", "password": STRONG_PASSWORD}, "email",
     "Enter your e-mail"),
    ({"username": "ok_name", "email": "a@example.org", "password": ""}, "password",
     "Choose a password"),
    ({"username": "ok_name", "email": "not-an-address", "password": STRONG_PASSWORD},
     "email", "valid e-mail"),
    ({"username": "ok_name", "email": "a@example.org", "password": "short"}, "password",
     "at least 12"),
    ({"username": "ok_name", "email": "a@example.org", "password": "password1234"},
     "password", "too common"),
    ({"username": "ok_name", "email": "a@example.org", "password": "iloveyou12345"},
     "password", "too common"),
    ({"username": "sunny_otter", "email": "a@example.org",
      "password": "my sunny_otter secret"}, "password", "username"),
    ({"username": "ok_name", "email": "marguerite@example.org",
      "password": "MARGUERITE garden path"}, "password", "e-mail"),
    ({"username": "admin", "email": "a@example.org", "password": STRONG_PASSWORD},
     "username", "reserved"),
    ({"username": "<script>", "email": "a@example.org", "password": STRONG_PASSWORD},
     "username", "3 to 32"),
]


def test_register_rejects_bad_input_and_keeps_the_form(visitor: Visitor) -> None:
    # One app for every case: a refused form stores nothing, so the cases cannot interfere.
    for form, field, message in BAD_REGISTRATIONS:
        response = visitor.post("/register", form)
        assert response.status_code == 400, form
        assert message in response.text, form
        assert f'id="{field}-errors"' in response.text, form
        if form["email"]:
            assert f'value="{form["email"]}"' in response.text, "what was typed is kept"
        assert STRONG_PASSWORD not in response.text, "passwords are never echoed back"
        assert count(visitor, select(func.count()).select_from(User)) == 0, form


def test_duplicate_username_is_refused_case_insensitively(visitor: Visitor) -> None:
    visitor.register("brave_lark")
    response = visitor.register("Brave_Lark", email="other@example.org")
    assert response.status_code == 400
    assert "taken" in response.text
    assert 'value="Brave_Lark"' in response.text


def test_duplicate_email_does_not_reveal_the_account(visitor: Visitor, settings) -> None:
    first = visitor.register("first_one", email="shared@example.org")
    second = visitor.register("second_one", email="Shared@Example.org")
    assert (first.status_code, first.headers["location"]) == (
        second.status_code, second.headers["location"])
    assert users_named(visitor, "second_one") == 0
    subjects = [m["Subject"] for m in outbox_messages(settings.var_dir)]
    assert "Someone tried to register with your address" in subjects


def test_sign_in_by_username_or_email_and_sign_out(visitor: Visitor) -> None:
    visitor.register("calm_fern")
    response = visitor.login("calm_fern")
    assert response.status_code == 303
    assert visitor.get("/account").status_code == 200
    assert visitor.post("/logout").status_code == 303
    assert visitor.get("/account").status_code == 303  # back to sign-in
    assert visitor.login("CALM_FERN@example.org").status_code == 303


def test_wrong_password_and_unknown_user_get_the_same_answer(visitor: Visitor) -> None:
    visitor.register("kind_tide")
    wrong = visitor.login("kind_tide", "not the right password at all")
    unknown = visitor.login("nobody_here", "not the right password at all")
    assert wrong.status_code == unknown.status_code == 400
    strip = lambda text: re.sub(r'value="[^"]*"', "", re.sub(r"[0-9a-f]{64,}", "", text))  # noqa: E731
    assert strip(wrong.text) == strip(unknown.text)


def test_lockout_after_repeated_failures(visitor: Visitor) -> None:
    visitor.register("swift_pine")
    for _ in range(5):
        assert visitor.login("swift_pine", "wrong password attempt").status_code == 400
    locked = visitor.login("swift_pine")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    for _ in range(5):
        visitor.login("ghost_user", "wrong password attempt")
    assert visitor.login("ghost_user", "wrong password attempt").status_code == 429, (
        "unknown accounts lock the same way, so lockout reveals nothing"
    )


def test_sign_in_rotates_the_session_id(visitor: Visitor) -> None:
    visitor.register("wise_robin")
    planted = "attacker-chosen-session-value"
    replace_cookie(visitor, planted)
    visitor.login("wise_robin")
    issued = visitor.client.cookies.get(SESSION_COOKIE)
    assert issued and issued != planted
    first = issued
    visitor.login("wise_robin")
    second = visitor.client.cookies.get(SESSION_COOKIE)
    assert second != first
    replace_cookie(visitor, first)
    assert visitor.get("/account").status_code == 303, "the pre-login session id no longer works"
    replace_cookie(visitor, second)
    assert visitor.get("/account").status_code == 200


def replace_cookie(visitor: Visitor, value: str) -> None:
    visitor.client.cookies.delete(SESSION_COOKIE)
    visitor.client.cookies.set(SESSION_COOKIE, value, domain="testserver.local")


def test_session_cookie_flags(visitor: Visitor) -> None:
    visitor.register("merry_cedar")
    response = visitor.login("merry_cedar")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    token = visitor.client.cookies.get(SESSION_COOKIE)
    assert token and len(token) >= 43  # 256 bits, URL-safe base64


def test_session_token_is_stored_hashed(visitor: Visitor) -> None:
    visitor.signup_and_login("gentle_finch")
    token = visitor.client.cookies.get(SESSION_COOKIE)
    assert count(visitor, select(func.count()).select_from(UserSession)
                 .where(UserSession.token_hash == token)) == 0


def test_change_password_needs_current_and_ends_other_sessions(
    visitor: Visitor, new_visitor
) -> None:
    visitor.signup_and_login("bold_maple")
    other = new_visitor()
    other.login("bold_maple")
    assert other.get("/account").status_code == 200
    wrong = visitor.post("/account/password", {"current_password": "nope nope nope nope",
                                               "new_password": "a brand new long phrase"})
    assert wrong.status_code == 400 and "not correct" in wrong.text
    weak = visitor.post("/account/password", {"current_password": STRONG_PASSWORD,
                                              "new_password": "password123"})
    assert weak.status_code == 400
    ok = visitor.post("/account/password", {"current_password": STRONG_PASSWORD,
                                            "new_password": "a brand new long phrase"})
    assert ok.status_code == 303
    assert visitor.get("/account").status_code == 200, "this session stays"
    assert other.get("/account").status_code == 303, "every other session ended"
    visitor.post("/logout")
    assert visitor.login("bold_maple", "a brand new long phrase").status_code == 303


def test_sessions_are_listed_and_revocable_only_by_their_owner(
    visitor: Visitor, new_visitor
) -> None:
    visitor.signup_and_login("steady_comet")
    laptop = new_visitor()
    laptop.login("steady_comet")
    page = visitor.get("/account")
    hashes = re.findall(r'name="session" value="([0-9a-f]{64})"', page.text)
    assert len(hashes) == 2
    intruder = new_visitor()
    intruder.signup_and_login("nosy_badger")
    assert intruder.post("/account/sessions/revoke", {"session": hashes[0]}).status_code == 404
    assert laptop.get("/account").status_code == 200
    for value in hashes:
        visitor.post("/account/sessions/revoke", {"session": value})
    assert laptop.get("/account").status_code == 303


def test_password_reset_is_single_use_and_ends_sessions(
    visitor: Visitor, new_visitor, settings
) -> None:
    visitor.signup_and_login("hopeful_river")
    stranger = new_visitor()
    known = stranger.post("/password-reset", {"email": "hopeful_river@example.org"})
    unknown = stranger.post("/password-reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    # Alike but for the one-time submission token every rendered form carries.
    def without_receipt(text: str) -> str:
        return re.sub(r'name="_submission" value="[^"]*"', "", text)

    assert without_receipt(known.text.replace("hopeful_river", "nobody")) == without_receipt(
        unknown.text)
    mails = [m for m in outbox_messages(settings.var_dir) if "Reset" in m["Subject"]]
    assert len(mails) == 1
    path = re.search(r"/password-reset/\S+", mails[0].get_payload(decode=True).decode()).group(0)
    assert stranger.post(path, {"new_password": "123456789012"}).status_code == 400
    assert stranger.post(path, {"new_password": "a completely fresh phrase"}).status_code == 303
    assert stranger.post(path, {"new_password": "another fresh phrase"}).status_code == 400
    assert visitor.get("/account").status_code == 303, "the reset ended every session"
    assert visitor.login("hopeful_river", "a completely fresh phrase").status_code == 303


def test_sign_ins_and_failures_are_audited(visitor: Visitor) -> None:
    visitor.register("bright_willow")
    visitor.login("bright_willow", "wrong wrong wrong wrong")
    visitor.login("bright_willow")
    visitor.post("/logout")
    actions = visitor.run(_actions)
    for action in ("account.register", "account.sign_in_failed", "account.sign_in",
                   "account.sign_out"):
        assert action in actions


async def _actions(runtime) -> list[str]:  # type: ignore[no-untyped-def]
    async with runtime.sessionmaker() as db:
        return list(await db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
