"""The thread page is kept around each reader's own parts (`render`'s `frame`, community.web):
the layout and the page around the cards are rendered once per thread as shown, viewer class
and language; each reader's header, cards, token and path are put in for them. The sequence
below warms it as one reader and checks every later reader and change."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from community.communities.services import apply_moderation_decision
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    opening_post,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import CSRF_FIELD, Visitor

HEADER_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def frames(visitor: Visitor) -> int:
    # Each entry's key is (language, the caller's key); a kept page's starts with its kind.
    return sum(1 for _language, key in visitor.app.state.runtime.fragments._entries
               if key[0] == "page-frame")


def own(page: str, visitor: Visitor) -> None:
    """Every token on the page is this reader's."""
    assert set(CSRF_FIELD.findall(page)) == {visitor.csrf()}
    assert HEADER_TOKEN.findall(page) == [visitor.csrf()]


def language_next(page: str) -> str:
    match = re.search(r'<form method="post" action="/language".*?name="next" value="([^"]*)"',
                      page, re.DOTALL)
    assert match, "no language switch"
    return match.group(1)


@pytest.fixture
def cast(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    seed(visitor)
    cast = {name: person(new_visitor, name, joins=("epilepsy",))
            for name in ("frame_author", "frame_ana", "frame_bo")}
    cast["outsider"] = person(new_visitor, "frame_out")
    cast["anonymous"] = new_visitor()
    return cast


def test_the_kept_thread_page_is_each_readers_own_through_every_change(
    cast: dict[str, Visitor],
) -> None:
    author, ana, bo = cast["frame_author"], cast["frame_ana"], cast["frame_bo"]
    thread_id = start_thread(author, "epilepsy", title="Auras <b>at</b> dusk")
    reply(author, thread_id, "Mine start with a smell.")
    url = f"/threads/{thread_id}"
    for reader in (ana, bo):
        reader.get(url)  # the flash of joining shows once, on a page rendered whole

    # Warm as one reader, then another reader of the same class gets the kept page.
    first = ana.get(url).text
    assert frames(ana) >= 1
    kept = frames(ana)
    second = bo.get(url).text
    assert frames(bo) == kept
    own(first, ana)
    own(second, bo)
    assert '<a href="/account">frame_ana</a>' in first and "frame_bo" not in first
    assert '<a href="/account">frame_bo</a>' in second and "frame_ana" not in second
    assert "Auras &lt;b&gt;at&lt;/b&gt; dusk" in second and "<b>at</b>" not in second
    assert language_next(second) == url

    # The path is each request's own (and escaped), not the first reader's.
    later = bo.get(url, params={"after": "0", "q": '"><b>'}).text
    assert language_next(later) == f"{url}?after=0&amp;q=%22%3E%3Cb%3E"

    # Following is the follower's alone (the first view after it shows its confirmation,
    # rendered whole; the second is the kept page's).
    assert bo.post(f"{url}/follow").status_code == 303
    bo.get(url)
    assert "Stop following" in bo.get(url).text
    assert "Stop following" not in (page := ana.get(url).text) and "Follow this thread" in page

    # A new reply shows for everyone at once.
    reply(author, thread_id, "Then the lights look too bright.")
    for reader in (ana, bo):
        assert "Then the lights look too bright." in reader.get(url).text

    # Another class of viewer gets its own page: an outsider of this members' thread is asked
    # to join, a visitor signed out to sign in, with no one's name, post or token.
    cast["outsider"].get(url)
    outsider = cast["outsider"].get(url).text
    assert "Join to read it" in outsider and "Mine start with a smell." not in outsider
    assert 'id="reply-form"' not in outsider and "frame_" not in outsider.split("<main")[1]
    own(outsider, cast["outsider"])
    signed_out = cast["anonymous"].get(url).text
    assert "Sign in to read it" in signed_out and "Mine start with a smell." not in signed_out
    assert "frame_" not in signed_out

    # A block between two readers changes nothing the other sees.
    assert ana.post("/people/frame_bo/block").status_code == 303
    ana.get(url)
    page = ana.get(url).text
    own(page, ana)
    assert "frame_bo" not in page.split("<main")[0]
    own(bo.get(url).text, bo)

    # A language switch: that reader's page in their language, the others' unchanged.
    assert bo.post("/language", {"language": "ru", "next": url}).status_code in (302, 303)
    bo.get(url)
    russian = bo.get(url).text
    assert 'lang="ru"' in russian and "Skip to content" not in russian
    own(russian, bo)
    english = ana.get(url).text
    assert 'lang="en"' in english and "Skip to content" in english

    # A sign-out: the same browser gets the signed-out page, without the reader's name.
    assert bo.post("/logout").status_code in (302, 303)
    gone = bo.get(url).text
    assert "frame_bo" not in gone and 'id="reply-form"' not in gone

    # Removed by a moderator: the page is kept no longer for anyone but its author and staff.
    opening = opening_post(author, thread_id)

    async def remove(db: Any) -> None:
        await apply_moderation_decision(db, opening, status="removed", actor_id=None)

    db_run(author, remove)
    assert ana.get(url).status_code == 404
    assert "Auras" not in cast["outsider"].get(url).text


def test_a_draft_is_never_kept_in_the_page(cast: dict[str, Visitor]) -> None:
    author, ana, bo = cast["frame_author"], cast["frame_ana"], cast["frame_bo"]
    thread_id = start_thread(author, "epilepsy", title="Naps and auras")
    url = f"/threads/{thread_id}"
    for reader in (ana, bo):
        reader.get(url)
    assert ana.post(f"{url}/draft", {"body": "Naps help me, mostly."}, htmx=True
                    ).status_code == 200
    assert "Naps help me, mostly." in ana.get(url).text
    for _ in range(2):
        assert "Naps help me" not in bo.get(url).text
    assert "Naps help me, mostly." in ana.get(url).text
