"""One confirmation mechanism: a save redirects to the changed page, which says so once in
its status region; a forged message is never shown."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from community.accounts.models import Role
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


def test_a_message_links_only_within_the_site(visitor: Visitor) -> None:
    secret = visitor.app.state.runtime.settings.secret_key
    for link in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"):
        visitor.jar.set(FLASH_COOKIE, encode(secret, "Done.", link=link, link_text="Go"),
                        domain="testserver.local")
        shown = status_region(visitor.get("/").text)
        assert "Done." in shown and "<a" not in shown and "Go" not in shown, link
    visitor.jar.set(FLASH_COOKIE, encode(secret, "Done.", link="/moderation/items/7",
                                         link_text="See it <again>"), domain="testserver.local")
    shown = status_region(visitor.get("/").text)
    assert '<a href="/moderation/items/7">See it &lt;again&gt;</a>' in shown


def test_every_save_says_so_once(new_visitor: Callable[[], Visitor]) -> None:
    """A walk through saves that used to redirect in silence: each lands on the changed page
    and says what happened there, once."""
    seed(new_visitor())
    admin = person(new_visitor, "ada_saves", role=Role.ADMIN)
    ana = person(new_visitor, "ana_saves", joins=("lupus",))
    bo = person(new_visitor, "bo_saves", joins=("lupus",))

    def confirmed(visitor: Visitor, response: Any, text: str) -> str:
        assert response.status_code == 303, response.text
        page = follow(visitor, response)
        assert text in status_region(page), text
        assert text not in status_region(visitor.get(response.headers["location"]).text)
        return response.headers["location"]  # type: ignore[no-any-return]

    community = {"slug": "pacing-circle", "name": "Pacing circle", "icd10": "G93.3",
                 "condition_slug": "", "description": "", "crisis_posts": "hold"}
    confirmed(admin, admin.post("/communities", community), "The community Pacing circle is open.")
    confirmed(admin, admin.post("/communities/pacing-circle/edit",
                                {**community, "description": "Energy envelopes"}),
              "Your changes to Pacing circle are saved.")
    confirmed(admin, admin.post("/communities/pacing-circle/archive", {"archived": "1"}),
              "Pacing circle is archived")
    confirmed(admin, admin.post("/communities/pacing-circle/archive", {"archived": "0"}),
              "Pacing circle is open again.")

    thread = confirmed(ana, ana.post("/communities/lupus/threads", {
        "title": "Sun and flares", "body": "Hats help me.", "audience": "members",
        "kind": "discussion"}), "Your thread is started.")
    thread_id = int(thread.rsplit("/", 1)[1])
    post_id = int(re.findall(r'id="post-(\d+)"', ana.get(thread).text)[0])
    confirmed(bo, bo.post(f"/threads/{thread_id}/replies", {"body": "Mine too."}),
              "Your reply is posted.")
    confirmed(ana, ana.post(f"/posts/{post_id}/edit", {"body": "Hats and shade help me."}),
              "Your changes are saved.")
    confirmed(bo, bo.post(f"/posts/{post_id}/react", {"kind": "helpful"}),
              "Your reaction is added.")
    confirmed(bo, bo.post(f"/posts/{post_id}/react", {"kind": "helpful"}),
              "Your reaction is taken back.")
    confirmed(bo, bo.post(f"/threads/{thread_id}/draft", {"body": "Later", "save_draft": "1"}),
              "Your draft is saved")
    confirmed(bo, bo.post("/flags", {"target_type": "post", "target_id": str(post_id),
                                     "reason": "off_topic", "next": thread}),
              "Thank you for telling us.")
    confirmed(ana, ana.post("/notifications/read"), "Marked as read.")
    confirmed(ana, ana.post("/messages/bo_saves", {"body": "Thanks for the reply"}),
              "Your message is sent.")
    # Sent in place (htmx): said in the swapped part, never left waiting for a later page.
    in_place = ana.post("/messages/bo_saves", {"body": "And one more"}, htmx=True)
    assert in_place.status_code == 200 and "Your message is sent." in in_place.text
    assert FLASH_COOKIE not in in_place.headers.get("set-cookie", "")
    confirmed(bo, bo.post("/people/ana_saves/block"), "You blocked this member.")
    confirmed(bo, bo.post("/people/ana_saves/block", {"action": "unblock"}),
              "You unblocked this member.")
    bo_id = re.search(r'action="/admin/users/(\d+)/roles"',
                      admin.get("/admin/users?q=bo_saves").text)
    assert bo_id
    confirmed(admin, admin.post(f"/admin/users/{bo_id.group(1)}/roles",
                                {"role": "moderator", "grant": "1"}),
              "bo_saves now has the role: moderator.")
    confirmed(admin, admin.post(f"/moderation/people/{bo_id.group(1)}/notes",
                                {"text": "Kind to newcomers."}), "Your note is added.")
    confirmed(ana, ana.post(f"/posts/{post_id}/delete"), "Your post is deleted")
