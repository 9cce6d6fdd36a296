"""People everywhere: every page that shows a person links their name to their page (with
their picture) unless they are a former member, and the hover card shows only what their
privacy settings allow the viewer to see."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from community.accounts.models import Role, User
from community.communities.models import Community
from community.db import utcnow
from tests.communities_support import (
    app,
    db_run,
    person,
    reply,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies

__all__ = ["app", "settings"]

AUTHOR = "ana_people"


def linked(html: str, username: str) -> bool:
    """The name is a link to the person's page with their generated picture inside."""
    pattern = (rf'<a class="person-link" href="/people/{username}"[^>]*>'
               rf'<img class="avatar" src="/avatars/{username}.svg"[^>]*>{username}</a>')
    return re.search(pattern, html) is not None


def delete_account(visitor: Visitor, username: str) -> None:
    async def work(db: Any) -> None:
        await db.execute(update(User).where(User.username == username)
                         .values(deleted_at=utcnow()))

    db_run(visitor, work)


def pages_showing_the_author(new_visitor: Callable[[], Visitor]) -> dict[str, tuple[Visitor, str]]:
    """Every page that shows the author, each with a visitor who may open it."""
    seed(new_visitor())
    ana = person(new_visitor, AUTHOR, joins=("rheumatoid-arthritis",))
    bo = person(new_visitor, "bo_people", joins=("rheumatoid-arthritis",))
    thread = start_thread(ana, "rheumatoid-arthritis", title="Hands in the morning",
                          body="Stiff knuckles every morning", audience="public")
    reply(ana, thread, "And some quinoa for breakfast helps")
    opening = scalar(ana, select(User.id).where(User.username == AUTHOR))
    assert opening
    assert bo.post(f"/messages/{AUTHOR}", {"body": "Hello from a fellow member"}
                   ).status_code in (200, 303)
    assert ana.post("/messages/bo_people", {"body": "Hello back"}).status_code in (200, 303)
    post_id = int(re.findall(r'id="post-(\d+)"', ana.get(f"/threads/{thread}").text)[0])
    assert ana.post(f"/posts/{post_id}/edit", {"body": "Stiff knuckles most mornings"}
                    ).status_code == 303
    # A member reports her post: the moderation queue and its item show her too.
    assert bo.post("/flags", {"target_type": "post", "target_id": str(post_id),
                              "reason": "off_topic", "next": f"/threads/{thread}"}
                   ).status_code == 303
    moderator = person(new_visitor, "mod_people", role=Role.MODERATOR)
    item = re.search(r'href="/moderation/items/(\d+)"', moderator.get("/moderation").text)
    assert item
    return {
        "inbox": (bo, "/messages"),
        "review queue": (moderator, "/moderation"),
        "review item": (moderator, f"/moderation/items/{item.group(1)}"),
        "thread": (bo, f"/threads/{thread}"),
        "thread signed out": (new_visitor(), f"/threads/{thread}"),
        "community": (bo, "/communities/rheumatoid-arthritis"),
        "search": (bo, "/search?q=quinoa"),
        "conversation": (bo, f"/messages/{AUTHOR}"),
        "post history": (ana, f"/posts/{post_id}/history"),
        "notifications": (bo, "/notifications"),
    }


def test_every_page_links_the_author_until_they_leave(
        new_visitor: Callable[[], Visitor]) -> None:
    pages = pages_showing_the_author(new_visitor)
    for name, (viewer, url) in pages.items():
        response = viewer.get(url)
        assert response.status_code == 200, name
        assert linked(response.text, AUTHOR), name

    delete_account(new_visitor(), AUTHOR)
    for name, (viewer, url) in pages.items():
        if name in ("post history", "conversation"):
            continue  # her own pages; a partner's conversation is checked below
        html = viewer.get(url).text
        assert f'href="/people/{AUTHOR}' not in html, name
        assert "former member" in html, name
    conversation = pages["conversation"][0].get(f"/messages/{AUTHOR}")
    assert f'href="/people/{AUTHOR}' not in conversation.text


def test_shared_evaluations_link_their_author(visitor: Visitor,
                                              new_visitor: Callable[[], Visitor]) -> None:
    load_vocabularies(visitor)
    visitor.signup_and_login("gentle_people")
    course_id = add_course(visitor)
    assert evaluate(visitor, course_id, visibility="public", tip="Take it with food").status_code == 303
    report = new_visitor().get("/treatments/methotrexate").text
    assert linked(report, "gentle_people")


def fill_profile(owner: Visitor) -> None:
    community_id = scalar(owner, select(Community.id).where(
        Community.slug == "rheumatoid-arthritis"))
    form = {"sex": "female", "sex_visibility": "public", "age_band": "35-44",
            "age_band_visibility": "members", "country": "PT",
            "country_visibility": "only_me", "about": "Gardening keeps me sane.",
            "about_visibility": "public", "discoverable": "members",
            f"condition_{community_id}": "on", f"diagnosed_{community_id}": "2015",
            f"symptoms_{community_id}": "", f"visibility_{community_id}": "only_me"}
    assert owner.post("/account/profile", form).status_code == 303


def test_the_hover_card_shows_only_what_the_person_allows(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    owner = person(new_visitor, "olive_card", joins=("rheumatoid-arthritis",))
    fill_profile(owner)
    member = person(new_visitor, "otis_card")
    anonymous = new_visitor()

    as_member = member.get("/people/olive_card/card", htmx=True)
    assert as_member.status_code == 200
    assert "35-44" in as_member.text
    assert 'href="/messages/olive_card"' in as_member.text
    as_anonymous = anonymous.get("/people/olive_card/card", htmx=True)
    assert as_anonymous.status_code == 200
    assert "35-44" not in as_anonymous.text
    assert "/messages/" not in as_anonymous.text
    for card in (as_member.text, as_anonymous.text):
        assert "Portugal" not in card and "PT" not in card
        assert "Rheumatoid" not in card
        assert "olive_card@example.org" not in card
    # What she opens to members later reaches members, and still nobody else.
    community_id = scalar(owner, select(Community.id).where(
        Community.slug == "rheumatoid-arthritis"))
    fill = {"sex": "female", "sex_visibility": "public", "age_band": "35-44",
            "age_band_visibility": "members", "country": "PT",
            "country_visibility": "members", "about": "", "about_visibility": "members",
            "discoverable": "members", f"condition_{community_id}": "on",
            f"diagnosed_{community_id}": "", f"symptoms_{community_id}": "",
            f"visibility_{community_id}": "members"}
    assert owner.post("/account/profile", fill).status_code == 303
    as_member = member.get("/people/olive_card/card", htmx=True).text
    assert "Portugal" in as_member and "Rheumatoid arthritis" in as_member
    as_anonymous = anonymous.get("/people/olive_card/card", htmx=True).text
    assert "Portugal" not in as_anonymous and "Rheumatoid" not in as_anonymous


def test_a_former_member_has_no_card(new_visitor: Callable[[], Visitor]) -> None:
    person(new_visitor, "gone_card")
    viewer = person(new_visitor, "viewer_card")
    assert viewer.get("/people/gone_card/card").status_code == 200
    delete_account(viewer, "gone_card")
    assert viewer.get("/people/gone_card/card").status_code == 404


def test_the_profile_offers_message_block_and_report(new_visitor: Callable[[], Visitor]) -> None:
    person(new_visitor, "pia_actions")
    viewer = person(new_visitor, "vic_actions")
    page = viewer.get("/people/pia_actions").text
    assert 'href="/messages/pia_actions"' in page
    assert 'action="/people/pia_actions/block"' in page
    target = scalar(viewer, select(User.id).where(User.username == "pia_actions"))
    report = f"/flags/new?target_type=user&amp;target_id={target}"
    assert report in page
    assert viewer.get(report.replace("&amp;", "&")).status_code == 200
    # Nobody is offered to message, block or report themselves, nor while signed out.
    own = person(new_visitor, "pia_self")
    assert "/flags/new" not in own.get("/people/pia_self").text
    assert "/flags/new" not in new_visitor().get("/people/pia_actions").text
