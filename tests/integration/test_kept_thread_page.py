"""The thread page is kept around each reader's own parts (`render`'s `frame`, community.web):
the layout and the page around the cards are rendered once per thread as shown, viewer class
and language; each reader's header, cards, token and path are put in for them. The sequence
below warms it as one reader and checks every later reader and change."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

from community.accounts.models import Role
from community.communities.models import Community, Thread
from community.communities.services import apply_moderation_decision
from community.db import utcnow
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    opening_post,
    person,
    reply,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import CSRF_FIELD, Visitor
from tests.integration.test_cold_thread_page import TOKENS

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


def thread_page_parts(page: str) -> str:
    """What the page shows around the cards and the header: the main part, cards left out."""
    main = TOKENS.sub("", page.split("<main", 1)[1])
    return re.sub(r'<article class="post.*?</article>', "", main, flags=re.DOTALL)


def test_one_kept_page_serves_every_thread_with_its_own_title_community_and_id(
        cast: dict[str, Visitor], new_visitor: Callable[[], Visitor]) -> None:
    """The page around the cards is kept once for threads of the same kind and audience seen
    by the same class of viewer (`THREAD_MARKED`): each thread's id, title and community are
    put in for it, and follow it through an edited title, a move, a renamed community and a
    closed (archived) community; a reader of another language, a non-member, a signed-out
    visitor and a clinician each get their own."""
    author, ana = cast["frame_author"], cast["frame_ana"]
    first = start_thread(author, "epilepsy", title="Auras & <b>light</b>")
    second = start_thread(author, "epilepsy", title="Seizures at night")
    for _view in range(2):  # the flash of joining shows once, on a page rendered whole
        ana.get(f"/threads/{first}")
    before = frames(ana)
    page = ana.get(f"/threads/{second}").text
    assert frames(ana) == before  # no page rendered around the cards for the second thread
    shown = thread_page_parts(page)
    assert "<title>Seizures at night · Kindred</title>" in page
    assert "<h1>Seizures at night</h1>" in shown and "Auras" not in page
    assert set(re.findall(r"/threads/(\d+)", shown)) == {str(second)}
    assert f'action="/threads/{second}/replies"' in shown and f"/threads/{second}/follow" in shown
    own(page, ana)
    # The first thread's title, escaped, as rendered whole (nothing kept) shows it.
    kept_first = ana.get(f"/threads/{first}").text
    assert "<h1>Auras &amp; &lt;b&gt;light&lt;/b&gt;</h1>" in kept_first
    ana.app.state.runtime.fragments.clear()
    afresh = ana.get(f"/threads/{first}").text
    assert thread_page_parts(afresh) == thread_page_parts(kept_first)

    # A title edited, a move to another community, a community renamed: at once.
    db_run(author, lambda db: db.execute(
        update(Thread).where(Thread.id == second).values(title="Night seizures, again")))
    page = ana.get(f"/threads/{second}").text
    assert "<h1>Night seizures, again</h1>" in page and "Seizures at night" not in page
    copd = scalar(ana, select(Community.id).where(Community.slug == "copd"))
    db_run(author, lambda db: db.execute(
        update(Thread).where(Thread.id == second).values(community_id=copd)))
    moved = thread_page_parts(ana.get(f"/threads/{second}").text)
    # Ana is no member of COPD: a members' thread there asks her to join COPD.
    assert 'href="/communities/copd"' in moved and "/communities/epilepsy" not in moved
    assert "Join to read it" in moved and 'action="/communities/copd/join"' in moved
    db_run(author, lambda db: db.execute(
        update(Community).where(Community.slug == "copd").values(name="Lungs & breath")))
    renamed = thread_page_parts(ana.get(f"/threads/{second}").text)
    assert ">Lungs &amp; breath</a>" in renamed and "members of Lungs &amp; breath" in renamed
    # A closed community: the thread still reads, with no reply box; the other still has one.
    db_run(author, lambda db: db.execute(
        update(Community).where(Community.slug == "epilepsy").values(archived_at=utcnow())))
    closed = thread_page_parts(ana.get(f"/threads/{first}").text)
    assert "Auras &amp;" in closed and 'id="reply-form"' not in closed
    db_run(author, lambda db: db.execute(
        update(Community).where(Community.slug == "epilepsy").values(archived_at=None)))
    assert 'id="reply-form"' in ana.get(f"/threads/{first}").text

    # Another language: the same thread in Russian, with its own title and addresses.
    bo = cast["frame_bo"]
    assert bo.post("/language", {"language": "ru", "next": "/"}).status_code in (302, 303)
    bo.get(f"/threads/{first}")
    russian = bo.get(f"/threads/{first}").text
    assert 'lang="ru"' in russian and "<h1>Auras &amp; &lt;b&gt;light&lt;/b&gt;</h1>" in russian
    assert set(re.findall(r"/threads/(\d+)", thread_page_parts(russian))) == {str(first)}
    own(russian, bo)

    # A non-member of a public thread is offered to join its community; a signed-out
    # visitor to sign in, to this thread.
    public = start_thread(author, "epilepsy", title="Public: driving rules", audience="public")
    outsider = cast["outsider"]
    for thread_id in (public, public):
        page = thread_page_parts(outsider.get(f"/threads/{thread_id}").text)
        assert "Public: driving rules" in page and 'action="/communities/epilepsy/join"' in page
        assert 'id="reply-form"' not in page
    for thread_id in (public, public):
        page = thread_page_parts(cast["anonymous"].get(f"/threads/{thread_id}").text)
        assert f'href="/login?next=/threads/{public}"' in page and "frame_" not in page

    # A clinician; and a thread of another kind keeps its own page (its notice).
    doctor = person(new_visitor, "frame_doctor", joins=("epilepsy",), role=Role.CLINICIAN)
    asked = start_thread(author, "epilepsy", title="Is this normal?", kind="ask_a_clinician")
    for thread_id, notice in ((asked, True), (first, False), (asked, True)):
        page = thread_page_parts(doctor.get(f"/threads/{thread_id}").text)
        assert ("general education, not advice" in page) is notice
        assert set(re.findall(r"/threads/(\d+)", page)) == {str(thread_id)}
