"""The thread list and the personal home are kept around their per-reader parts
(`community.web.render`'s frame). The thread list's frame holds the community as read, its
top treatments and the buttons a viewer is offered, keyed by how the viewer stands to the
community; the page of threads and the layout's header are each view's own. The home's
frame is the layout alone (the same for every signed-in home); the greeting and the blocks
are each person's. The tests walk the sequences on a warm frame: other readers in both
orders, a join, a follow, an edit, an archive, a new thread, an evaluation, a language."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from community.accounts.models import Role
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor
from tests.integration.test_home import block
from tests.integration.test_read_pages_kept import kept_kinds
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies

LIST = "/communities/type-2-diabetes"


def heading(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert match
    return match.group(1)


def buttons(page: str) -> str:
    """The community's header: its name, counts, description and the viewer's buttons."""
    return page.split("<main", 1)[1].split('<form method="get" action="/search"', 1)[0]


def threads(page: str) -> str:
    match = re.search(r'<ul class="threads" id="threads">.*?</ul>', page, re.S)
    assert match, page
    return match.group(0)


def frames(visitor: Visitor, template: str) -> int:
    """How many kept pages (`render`'s frames) of `template` the process holds."""
    entries: Any = visitor.app.state.runtime.fragments._entries
    return sum(1 for _language, key in entries
               if isinstance(key, tuple) and key[:2] == ("page-frame", template))


def test_the_kept_thread_list_offers_each_viewer_their_own_buttons(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_list", joins=("type-2-diabetes",))
    bo = person(new_visitor, "bo_list")
    admin = person(new_visitor, "admin_list", role=Role.ADMIN)
    outsider = new_visitor()

    outsider.get(LIST)
    assert frames(outsider, "communities/community.html") == 1, "kept around its holes"
    names = {ana: "ana_list", bo: "bo_list", admin: "admin_list", outsider: None}
    for _ in range(2):  # both orders, on warm frames
        for visitor, name in names.items():
            page = visitor.get(LIST).text
            header = page.split("</header>", 1)[0]
            assert [n for n in names.values() if n and n in page] == ([name] if name else [])
            assert name is None or name in header
            mine = buttons(page)
            assert ("Sign in to join" in mine) == (visitor is outsider)
            assert ("You are a member" in mine) == (visitor is ana)
            assert ("Start a thread" in mine) == (visitor in (ana, admin))  # staff may post
            assert ("Join this community" in mine) == (visitor in (bo, admin))
            assert ('action="/communities/type-2-diabetes/archive"' in mine) == (
                visitor is admin)
    for visitor in (ana, bo, admin):  # each reader's own token in the kept layout
        assert visitor.csrf() in visitor.get(LIST).text

    # A join: bo is a member now, and everyone reads the new count.
    count = re.search(r"(\d+) members?", outsider.get(LIST).text)
    assert count
    assert bo.post("/communities/type-2-diabetes/join").status_code == 303
    assert "You are a member" in buttons(bo.get(LIST).text)
    assert "Join this community" in buttons(admin.get(LIST).text)
    assert f"{int(count.group(1)) + 1} members" in buttons(outsider.get(LIST).text)

    # A follow: bo's button turns, ana's (the same standing before) does not.
    assert bo.post("/communities/type-2-diabetes/follow").status_code == 303
    assert "Stop following" in buttons(bo.get(LIST).text)
    assert "Follow new threads" in buttons(ana.get(LIST).text)


def test_the_kept_thread_list_follows_the_community_its_threads_and_the_language(
        new_visitor: Callable[[], Visitor]) -> None:
    setup = new_visitor()
    seed(setup)
    load_vocabularies(setup)
    ana = person(new_visitor, "ana_edit", joins=("type-2-diabetes",))
    admin = person(new_visitor, "admin_edit", role=Role.ADMIN)
    reader = new_visitor()
    assert "No threads yet" in threads(reader.get(LIST).text)

    # A new thread: in the list on the warm frame, for the reader and the member.
    start_thread(ana, "type-2-diabetes", title="Walking after dinner", audience="public")
    for visitor in (reader, ana):
        listed = threads(visitor.get(LIST).text)
        assert "Walking after dinner" in listed and "No threads yet" not in listed

    # An evaluation: the top treatments appear on the warm frame.
    assert "Metformin" not in reader.get(LIST).text
    course = add_course(ana, "Metformin", "Type 2 diabetes")
    assert evaluate(ana, course).status_code == 303
    page = reader.get(LIST).text
    assert "Most reported treatments" in page and 'href="/treatments/metformin"' in page

    # An edit of the community: its new name and description.
    assert admin.post("/communities/type-2-diabetes/edit",
                      {"name": "Diabetes, type 2", "icd10": "E11",
                       "description": "Sugar and more."}).status_code == 303
    page = reader.get(LIST).text
    assert "Diabetes, type 2" in heading(page) and "Sugar and more." in page
    assert "<title>Diabetes, type 2 · Kindred</title>" in page

    # Archived: read only, and no one is offered to start a thread.
    assert admin.post("/communities/type-2-diabetes/archive",
                      {"archived": "1"}).status_code == 303
    assert "Archived: read only" in reader.get(LIST).text
    member = buttons(ana.get(LIST).text)
    assert "Archived: read only" in member and "Start a thread" not in member

    # Another language: the reader's page in Russian, another's in English.
    assert reader.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    russian = reader.get(LIST).text
    english = new_visitor().get(LIST).text
    assert 'lang="ru"' in russian and 'lang="en"' in english
    assert "Sign in to join" in english and "Sign in to join" not in russian


def test_the_kept_home_greets_each_person_with_their_own_blocks(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_home", joins=("lupus",))
    bo = person(new_visitor, "bo_home", joins=("migraine",))
    for visitor in (ana, bo):  # a confirmation is shown once, on a page rendered whole
        assert "You joined" in visitor.get("/").text
        assert "You joined" not in visitor.get("/").text
    for _ in range(2):  # both orders, on the warm frame
        for visitor, name, mine, other in ((ana, "ana_home", "lupus", "migraine"),
                                           (bo, "bo_home", "migraine", "lupus")):
            page = visitor.get("/").text
            assert f"Welcome back, {name}" in heading(page)
            assert f"/communities/{mine}" in block(page, "communities")
            assert f"/communities/{other}" not in block(page, "communities")
            assert visitor.csrf() in page
    assert frames(ana, "home_person.html") == 1, "kept: one frame for every signed-in home"

    # Another language: the switcher's home in Russian, the other's in English.
    assert ana.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    russian, english = ana.get("/").text, bo.get("/").text
    assert 'lang="ru"' in russian and "Ваши сообщества" in russian
    assert 'lang="en"' in english and "Your communities" in english


def test_the_kept_page_of_rows_shows_each_reader_what_they_may_read_and_follows_replies(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_rows", joins=("type-2-diabetes",))
    bo = person(new_visitor, "bo_rows", joins=("type-2-diabetes",))
    outsider = new_visitor()
    among = start_thread(ana, "type-2-diabetes", title="Among members", audience="members")
    start_thread(ana, "type-2-diabetes", title="For everyone", audience="public")

    def row(visitor: Visitor, thread_id: int) -> str:
        match = re.search(rf'<li class="card" id="thread-{thread_id}">.*?</li>',
                          visitor.get(LIST).text, re.S)
        assert match
        return match.group(0)

    for _ in range(2):  # both orders, on the warm page of rows
        for visitor in (outsider, ana):
            shown = row(visitor, among)
            # Outsiders learn a members-only thread's title, not its author or replies.
            assert "Among members" in shown
            assert ("Members only" in shown) == (visitor is outsider)
            assert ("ana_rows" in shown) == (visitor is ana)
    assert "thread-rows" in kept_kinds(ana), "the page of rows is kept whole"

    # A reply: the new count on the warm page, for every member.
    assert "0 replies" in row(bo, among)
    reply(bo, among, "Same here after dinner.")
    assert "1 reply" in row(ana, among) and "1 reply" in row(bo, among)
    assert "reply" not in row(outsider, among)
