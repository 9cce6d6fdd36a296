"""The search page is kept around its per-search parts (`community.web.render`'s frame): the
layout and the form are rendered once per community filter, kind and choice of communities;
the header, the words searched for and the results are each reader's and each search's own.
The tests walk the sequence on a warm frame: other words, another reader, a removal, a
renamed or archived community, another language."""

from __future__ import annotations

import re
from collections.abc import Callable

from community.accounts.models import Role
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    opening_post,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor
from tests.integration.test_read_pages_kept import kept_kinds, results


def words_field(page: str) -> str:
    match = re.search(r'<input id="q" name="q" type="search" value="([^"]*)"', page)
    assert match, "no search field"
    return match.group(1)


def heading(page: str) -> str:
    match = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert match
    return match.group(1)


def test_the_kept_search_page_shows_each_search_its_own_words_results_and_reader(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_frame", joins=("lupus",))
    bo = person(new_visitor, "bo_frame", joins=("lupus",))
    public = start_thread(ana, "lupus", title="Sun", audience="public",
                          body="hydroxychloroquine publicword helps")
    start_thread(ana, "lupus", title="Among us", audience="members",
                 body="hydroxychloroquine memberword among members")
    removed = reply(ana, public, "leflunomide removedword <b>tags</b> & more")
    outsider = new_visitor()

    first = outsider.get("/search?q=hydroxychloroquine").text
    assert "page-frame" in kept_kinds(outsider), "the page is kept around its holes"
    assert words_field(first) == "hydroxychloroquine"
    assert "publicword" in results(first) and "memberword" not in results(first)

    # Other words on the same frame: their own field (escaped) and results.
    other = outsider.get("/search", params={"q": 'leflunomide "<'}).text
    assert words_field(other) == "leflunomide &#34;&lt;"
    assert "removedword" in results(other) and "publicword" not in results(other)

    # Another reader on the warm frame: their own header and what they may read.
    page = bo.get("/search?q=hydroxychloroquine").text
    assert "bo_frame" in page and "ana_frame" not in page.split("</header>")[0]
    assert "memberword" in results(page)
    assert "bo_frame" not in outsider.get("/search?q=hydroxychloroquine").text
    for visitor in (outsider, bo):  # each reader's own token in the kept layout
        token = visitor.csrf()
        assert token in visitor.get("/search?q=hydroxychloroquine").text

    # A removal: gone from the results on the warm frame.
    assert ana.post(f"/posts/{removed}/delete").status_code == 303
    page = outsider.get("/search?q=leflunomide").text
    assert words_field(page) == "leflunomide" and "removedword" not in results(page)

    # An edit: the new words are found, the old are not.
    post_id = opening_post(ana, public)
    assert ana.post(f"/posts/{post_id}/edit",
                    {"body": "hydroxychloroquine editedword now"}).status_code == 303
    found = results(outsider.get("/search?q=hydroxychloroquine").text)
    assert "editedword" in found and "publicword" not in found


def test_the_kept_search_form_follows_the_communities_and_the_language(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    admin = person(new_visitor, "admin_frame", role=Role.ADMIN)
    reader = new_visitor()
    url = "/search?q=anything&community=copd"
    assert "COPD" in heading(reader.get(url).text)
    assert admin.post("/communities/copd/edit",
                      {"name": "Lungs and breath", "icd10": "J44",
                       "description": "Breathing."}).status_code == 303
    page = reader.get(url).text
    assert "Lungs and breath" in heading(page)
    assert '<option value="copd" selected>Lungs and breath</option>' in page

    # Archived: no longer a choice on the page without a filter.
    assert 'value="copd"' in reader.get("/search?q=anything").text
    assert admin.post("/communities/copd/archive", {"archived": "1"}).status_code == 303
    assert 'value="copd"' not in reader.get("/search?q=anything").text

    # Another language: the form in the reader's language, the other reader's unchanged.
    assert reader.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    russian = reader.get("/search?q=anything").text
    english = new_visitor().get("/search?q=anything").text
    assert 'lang="ru"' in russian and 'lang="en"' in english
    assert words_field(russian) == words_field(english) == "anything"
    assert russian.split("<form")[1] != english.split("<form")[1]
