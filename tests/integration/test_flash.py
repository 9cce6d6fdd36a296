"""One confirmation mechanism: a save redirects to the changed page, which says so once in
its status region; a forged message is never shown."""

from __future__ import annotations

import re
from collections.abc import Callable

from community.flash import FLASH_COOKIE, encode
from tests.communities_support import app, person, seed, settings
from tests.helpers import Visitor

__all__ = ["app", "settings"]

PROFILE = {"sex": "", "sex_visibility": "members", "age_band": "", "age_band_visibility": "members",
           "country": "", "country_visibility": "members", "about": "",
           "about_visibility": "members", "discoverable": "members"}


def status_region(html: str) -> str:
    """The confirmation's status region ("" when the page has none to show)."""
    match = re.search(r'<div class="flash-region" role="status">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


def follow(visitor: Visitor, response: object) -> str:
    location = response.headers["location"]  # type: ignore[attr-defined]
    page = visitor.get(location)
    assert page.status_code == 200
    return page.text


def test_a_saved_profile_says_so_once_on_the_profile_form(
        new_visitor: Callable[[], Visitor]) -> None:
    ana = person(new_visitor, "ana_flash")
    saved = ana.post("/account/profile", PROFILE)
    assert saved.status_code == 303 and saved.headers["location"] == "/account/profile"
    assert "Your profile was saved." in status_region(follow(ana, saved))
    assert status_region(ana.get("/account/profile").text).strip() == ""


def test_a_failed_save_shows_no_confirmation(new_visitor: Callable[[], Visitor]) -> None:
    ana = person(new_visitor, "ana_fail")
    refused = ana.post("/account/profile", {**PROFILE, "sex": "martian"})
    assert refused.status_code == 400
    assert "saved" not in status_region(refused.text)


def test_joining_and_leaving_are_confirmed(new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    bo = person(new_visitor, "bo_flash")
    joined = bo.post("/communities/lupus/join")
    assert "You joined Lupus (SLE)." in status_region(follow(bo, joined))
    left = bo.post("/communities/lupus/leave")
    assert "You left Lupus (SLE)." in status_region(follow(bo, left))


def test_a_forged_or_tampered_message_is_not_shown(visitor: Visitor) -> None:
    visitor.jar.set(FLASH_COOKIE, encode("not the site's secret", "Send your password to x"),
                    domain="testserver.local")
    assert "password" not in visitor.get("/").text
    real = encode(visitor.app.state.runtime.settings.secret_key, "Hello")
    payload, signature = real.split(".")
    visitor.jar.set(FLASH_COOKIE, f"{payload}x.{signature}", domain="testserver.local")
    assert status_region(visitor.get("/").text).strip() == ""
    visitor.jar.set(FLASH_COOKIE, "<script>", domain="testserver.local")
    assert status_region(visitor.get("/").text).strip() == ""
