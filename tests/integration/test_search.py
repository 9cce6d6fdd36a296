"""Search: ranked, highlighted, within and across communities, never beyond what one may see."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from community.accounts.models import Role
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    build_app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.conftest import BACKENDS, shared_visitor
from tests.helpers import Visitor


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Visitor]]:
    """Posts of every audience and status, seeded once per backend: its tests only search."""
    # Pre-moderation of first posts has its own tests; here it would hide everything.
    with shared_visitor(request, tmp_path_factory.mktemp("search"), build_app,
                        premoderate_first_posts=0) as visitor:
        yield seed_world(visitor, lambda: Visitor(visitor.client, httpx.Cookies()))


@pytest.fixture
def own_world(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    """The same posts, for a test that changes the site."""
    return seed_world(visitor, new_visitor)


def seed_world(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    seed(visitor)
    author = person(new_visitor, "writer_w", joins=("lupus", "migraine"))
    members = start_thread(author, "lupus", title="Members thread",
                           body="hydroxychloroquine membersecret works for my joints")
    public = start_thread(author, "lupus", title="Public thread", audience="public",
                          body="hydroxychloroquine publicword and sun protection")
    start_thread(author, "migraine", title="Migraine thread", audience="public",
                 body="hydroxychloroquine migraineword is not a migraine drug")
    reply(author, public, "hydroxychloroquine heldword HOLDME from Jane Doe")
    deleted = reply(author, public, "hydroxychloroquine deletedword oops")
    assert author.post(f"/posts/{deleted}/delete").status_code == 303
    reply(author, members, "hydroxychloroquine offword ADVICEME what dose should I take")
    return {
        "signed_out": visitor, "author": author,
        "member": person(new_visitor, "member_w", joins=("lupus",)),
        "other": person(new_visitor, "other_w", joins=("migraine",)),
        "moderator": person(new_visitor, "mod_w", role=Role.MODERATOR),
    }


SEEN = {
    "signed_out": {"publicword", "migraineword"},
    "other": {"publicword", "migraineword"},
    "member": {"publicword", "migraineword", "membersecret"},
    "author": {"publicword", "migraineword", "membersecret", "heldword", "deletedword",
               "offword"},
    "moderator": {"publicword", "migraineword", "membersecret", "heldword", "deletedword",
                  "offword"},
}
ALL_WORDS = set().union(*SEEN.values())


def test_search_returns_only_what_the_searcher_may_see(world: dict[str, Visitor]) -> None:
    for role in sorted(SEEN):
        page = world[role].get("/search?q=hydroxychloroquine")
        assert page.status_code == 200, role
        found = {word for word in ALL_WORDS if word in page.text}
        assert found == SEEN[role], role
        assert "<mark>hydroxychloroquine</mark>" in page.text.lower(), role
        for word in SEEN[role]:
            only = world[role].get(f"/search?q={word}")
            assert word in only.text, (role, word)


def test_search_within_one_community(world: dict[str, Visitor]) -> None:
    page = world["member"].get("/search?q=hydroxychloroquine&community=migraine")
    assert "migraineword" in page.text and "publicword" not in page.text


def test_search_syntax_never_breaks(world: dict[str, Visitor]) -> None:
    for query in ['"', "AND OR NOT", "hydroxy*", "(", "NEAR(a b)", "a:b",
                  "'; DROP TABLE post; --", "x" * 300, "<script>", "\x00"]:
        response = world["member"].get("/search", params={"q": query})
        assert response.status_code == 200, repr(query)
        assert "<script>" not in response.text.split('name="q"')[1].split("</form>")[1], query


def test_snippets_escape_user_text(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> None:
    seed(visitor)
    author = person(new_visitor, "xss_searcher", joins=("hiv",))
    start_thread(author, "hiv", title="Escapes", audience="public",
                 body="dolutegravir <script>alert(1)</script> <b onmouseover=x>bold</b>")
    page = visitor.get("/search?q=dolutegravir")
    assert "<mark>dolutegravir</mark>" in page.text
    assert "<script>alert(1)" not in page.text and "<b onmouseover" not in page.text
    # SQLite shows the tags as escaped text; PostgreSQL's headline drops tag-like words.
    snippet = page.text.split('class="snippet">')[1].split("</p>")[0]
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")


def test_search_pages_with_a_cursor(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> None:
    seed(visitor)
    author = person(new_visitor, "many_posts", joins=("copd",))
    thread = start_thread(author, "copd", title="Tiotropium", audience="public",
                          body="tiotropium first")
    for i in range(24):
        reply(author, thread, f"tiotropium reply {i} " + "word " * i)
    first = visitor.get("/search?q=tiotropium")
    assert first.text.count('class="snippet"') == 20
    import re

    cursor = re.search(r'hx-get="/search\?q=tiotropium&amp;after=([^"]+)"', first.text)
    assert cursor
    from urllib.parse import unquote

    second = visitor.get(f"/search?q=tiotropium&after={unquote(cursor.group(1))}", htmx=True)
    assert second.status_code == 200 and second.text.count('class="snippet"') == 5


def test_search_by_kind_of_thread_and_within_a_community_with_the_same_words(
        visitor: Visitor, new_visitor: Callable[[], Visitor]) -> None:
    """Every filter is a bound value of a statement built once per shape: asking with other
    values (another kind, another community, another searcher) gets other answers."""
    seed(visitor)
    author = person(new_visitor, "kinds_author", joins=("lupus", "migraine"))
    start_thread(author, "lupus", title="Asking", audience="public", kind="ask_a_clinician",
                 body="belimumab askword infusions")
    start_thread(author, "lupus", title="Talking", audience="public",
                 body="belimumab talkword infusions")
    start_thread(author, "migraine", title="Elsewhere", audience="public",
                 body="belimumab elsewhereword infusions")

    def found(url: str) -> set[str]:
        text = visitor.get(url).text
        return {word for word in ("askword", "talkword", "elsewhereword") if word in text}

    assert found("/search?q=belimumab") == {"askword", "talkword", "elsewhereword"}
    assert found("/search?q=belimumab&kind=ask_a_clinician") == {"askword"}
    assert found("/search?q=belimumab&kind=discussion") == {"talkword", "elsewhereword"}
    assert found("/search?q=belimumab&kind=discussion&community=lupus") == {"talkword"}
    assert found("/search?q=belimumab&kind=ask_a_clinician&community=migraine") == set()
    # A kind that does not exist is no filter at all.
    assert found("/search?q=belimumab&kind=nonsense") == {"askword", "talkword", "elsewhereword"}


def test_the_community_choices_are_the_open_communities(
        own_world: dict[str, Visitor], new_visitor: Callable[[], Visitor]) -> None:
    admin = person(new_visitor, "admin_w", role=Role.ADMIN)
    assert admin.post("/communities/copd/archive", {"archived": "1"}).status_code == 303
    page = own_world["member"].get("/search?q=hydroxychloroquine&community=lupus").text
    choices = page.split('id="search-community"')[1].split("</select>")[0]
    assert '<option value="lupus" selected>' in choices
    assert '<option value="migraine">' in choices
    assert 'value="copd"' not in choices
    assert re.search(r'<option value="migraine">[^<]*Migraine[^<]*</option>', choices)
