"""On SQLite a search is read on the event loop while it is short, and one that takes more
than `search.INLINE_STEPS` of SQLite's steps is stopped there and read in the connection's
thread instead: the same hits either way, for every reader."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from community.accounts.models import Role, User, UserRole, UserSession
from community.communities import search
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, loaded_objects, sqlite_trips
from tests.integration.test_read_pages_kept import results


def test_a_short_search_is_read_on_the_loop_and_a_long_one_in_the_thread_with_the_same_hits(
        new_visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_inline", joins=("lupus",))
    public = start_thread(ana, "lupus", title="Sun", audience="public",
                          body="hydroxychloroquine publicword helps")
    start_thread(ana, "lupus", title="Among us", audience="members",
                 body="hydroxychloroquine memberword among members")
    for i in range(25):
        reply(ana, public, f"hydroxychloroquine reply {i} " + "more " * i)
    outsider = new_visitor()
    sqlite = outsider.app.state.runtime.engine.dialect.name == "sqlite"
    url = "/search?q=hydroxychloroquine"

    pages: dict[str, dict[str, str]] = {}
    for budget in ("loop", "thread"):
        if budget == "thread":
            monkeypatch.setattr(search, "INLINE_STEPS", 50)
        pages[budget] = {}
        for name, visitor in (("outsider", outsider), ("ana", ana)):
            visitor.get(url)
            with sqlite_trips(visitor) as trips:
                found = results(visitor.get(url).text)
            pages[budget][name] = found
            if sqlite:
                assert len(trips) == (0 if budget == "loop" else 1), (budget, name)
    assert pages["loop"] == pages["thread"]
    assert "publicword" in pages["loop"]["outsider"]
    assert "memberword" not in pages["loop"]["outsider"]
    assert "memberword" in pages["loop"]["ana"]
    assert pages["loop"]["outsider"].count('class="snippet"') == 20


def test_a_search_stopped_on_the_loop_still_answers_after_an_edit(
        new_visitor: Callable[[], Visitor], monkeypatch: pytest.MonkeyPatch) -> None:
    """The stopped read leaves nothing behind on the connection: the next search, short
    again, reads the data as it now is."""
    seed(new_visitor())
    ana = person(new_visitor, "bo_inline", joins=("lupus",))
    public = start_thread(ana, "lupus", title="Sun", audience="public",
                          body="leflunomide firstword")
    post = reply(ana, public, "leflunomide replyword")
    monkeypatch.setattr(search, "INLINE_STEPS", 50)
    assert "replyword" in results(ana.get("/search?q=leflunomide").text)
    monkeypatch.setattr(search, "INLINE_STEPS", 4096)
    assert ana.post(f"/posts/{post}/edit", {"body": "leflunomide editedword"}).status_code == 303
    found = results(new_visitor().get("/search?q=leflunomide").text)
    assert "editedword" in found and "replyword" not in found


def test_a_signed_in_search_reads_the_searcher_as_plain_values(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "cy_inline", joins=("lupus",))
    start_thread(ana, "lupus", title="Among us", audience="members",
                 body="azathioprine memberword among members")
    moderator = person(new_visitor, "mod_inline", role=Role.MODERATOR)
    url = "/search?q=azathioprine"
    for visitor in (ana, moderator):
        visitor.get(url)
        with loaded_objects(User, UserRole, UserSession) as loaded:
            page = visitor.get(url).text
        assert not loaded, "the searcher is read as columns (PLAIN_VIEWER)"
        assert "memberword" in results(page)
    assert "Moderation queue" in moderator.get(url).text
    assert "memberword" not in results(new_visitor().get(url).text)
