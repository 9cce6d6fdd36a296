"""The read pages that list things stay cheap: a community's thread list reads its rows as
plain columns (no Thread or User objects), in a fixed number of statements without a
transaction, and on SQLite without a trip to the connection's thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update

from community.accounts.models import User
from community.communities.models import Community, Membership, Thread
from tests.communities_support import app, db_run, person, reply, seed, settings, start_thread
from tests.helpers import Visitor, loaded_objects, sqlite_trips, statements_without_commit

__all__ = ["app", "settings"]


def view(visitor: Visitor, url: str) -> list[str]:
    """The statements of one view of `url`, checked to commit and write nothing."""
    statements = statements_without_commit(visitor, url)
    # Reads only: a SELECT, or one led by a common table expression (PostgreSQL's search).
    assert all(s.lstrip().upper().startswith(("SELECT", "WITH")) for s in statements), statements
    assert not any(word in s.upper() for s in statements
                   for word in ("INSERT ", "UPDATE ", "DELETE ")), statements
    return statements


def test_a_thread_list_reads_its_rows_as_columns_in_few_statements(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_list", joins=("epilepsy",))
    bo = person(new_visitor, "bo_list", joins=("epilepsy",))
    first = start_thread(ana, "epilepsy", title="Seizure diaries", audience="public")
    reply(bo, first, "I use a paper notebook.")
    outsider = new_visitor()
    url = "/communities/epilepsy"
    outsider.get(url)
    bo.get(url)

    # The community (signed in: with the reader's membership and whether they follow it),
    # the page of threads, the top treatments; signed in, the session before them.
    assert len(view(outsider, url)) == 3
    assert len(view(bo, url)) == 4
    for n in range(5):
        start_thread(ana, "epilepsy", title=f"Another question, number {n}")
    assert len(view(outsider, url)) == 3
    with loaded_objects(Thread, User) as loaded, sqlite_trips(outsider) as trips:
        page = outsider.get(url).text
    assert not loaded, "listed threads and their authors are read as columns"
    assert not trips, "on SQLite the list's reads run on the event loop (SHORT_READS)"
    assert "Seizure diaries" in page and "1 reply" in page and "ana_list" in page
    # Signed in, only the reader's own account is an object (their session's); the
    # community and the reader's membership are read as columns.
    with loaded_objects(Thread, Community, Membership) as loaded, sqlite_trips(bo) as trips:
        page = bo.get(url).text
    assert not loaded and not trips
    assert "You are a member" in page and "Seizure diaries" in page
    assert "Another question, number 4" in page and "Seizure diaries" in page


def test_the_community_read_with_the_list_carries_each_readers_own_membership_and_follow(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_cf", joins=("lupus",))
    bo = person(new_visitor, "bo_cf", joins=("lupus",))
    carla = person(new_visitor, "carla_cf")
    assert bo.post("/communities/lupus/follow").status_code == 303
    url = "/communities/lupus"
    for _ in range(2):
        ana_page, bo_page, carla_page = (v.get(url).text for v in (ana, bo, carla))
        assert "You are a member" in ana_page and "Follow new threads" in ana_page
        assert "You are a member" in bo_page and "Stop following" in bo_page
        assert "You are a member" not in carla_page and "Join this community" in carla_page
        assert "Stop following" not in carla_page
    assert bo.post(url + "/follow", {"action": "unfollow"}).status_code == 303
    assert bo.post(url + "/leave").status_code == 303
    page = bo.get(url).text
    assert "Join this community" in page and "Follow new threads" in page
    assert "Page not found" in new_visitor().get("/communities/no-such-place").text


def test_a_search_reads_in_two_statements_and_binds_each_filter(
        new_visitor: Callable[[], Visitor]) -> None:
    """The search statement is built once per shape and serves every search of that shape:
    the words, the community, the thread kind and the reader are bound for each."""
    seed(new_visitor())
    ana = person(new_visitor, "ana_search", joins=("lupus", "migraine"))
    start_thread(ana, "lupus", title="Sun and rashes", audience="public",
                 body="hydroxychloroquine lupusword helps my skin")
    start_thread(ana, "lupus", title="Is it safe long term?", audience="public",
                 kind="ask_a_clinician", body="hydroxychloroquine questionword for my eyes")
    start_thread(ana, "migraine", title="Auras", audience="public",
                 body="hydroxychloroquine migraineword and auras")
    outsider = new_visitor()
    outsider.get("/search?q=auras")
    statements = view(outsider, "/search?q=hydroxychloroquine")
    assert len(statements) == 2, statements  # the results, the communities to choose from
    assert len(view(ana, "/search?q=hydroxychloroquine")) == 3  # and the session

    def words(url: str) -> set[str]:
        page = outsider.get(url).text
        return {w for w in ("lupusword", "questionword", "migraineword") if w in page}

    assert words("/search?q=hydroxychloroquine") == {"lupusword", "questionword",
                                                     "migraineword"}
    assert words("/search?q=hydroxychloroquine&community=lupus") == {"lupusword",
                                                                     "questionword"}
    assert words("/search?q=hydroxychloroquine&community=migraine") == {"migraineword"}
    assert words("/search?q=hydroxychloroquine&kind=ask_a_clinician") == {"questionword"}
    assert words("/search?q=hydroxychloroquine&community=migraine&kind=ask_a_clinician") == set()
    assert words("/search?q=auras") == {"migraineword"}


def test_the_search_forms_community_choices_are_kept_by_the_choices_and_the_one_chosen(
        new_visitor: Callable[[], Visitor]) -> None:
    """The choice of community is kept as rendered, keyed by the choices themselves (read on
    every search) and the one chosen: a renamed community shows at once, and each search
    marks its own choice."""
    seed(new_visitor())
    visitor = new_visitor()
    selected = '<option value="lupus" selected>'
    for _ in range(2):
        assert selected in visitor.get("/search?q=rashes&community=lupus").text
        page = visitor.get("/search?q=rashes").text
        assert selected not in page and '<option value="lupus">' in page
        assert '<option value="migraine" selected>' in visitor.get(
            "/search?q=rashes&community=migraine").text

    async def rename(db: Any) -> None:
        await db.execute(update(Community).where(Community.slug == "lupus").values(
            name="Lupus and friends"))
    db_run(visitor, rename)
    assert '<option value="lupus">Lupus and friends</option>' in visitor.get(
        "/search?q=rashes").text
    assert '<option value="lupus" selected>Lupus and friends</option>' in visitor.get(
        "/search?q=rashes&community=lupus").text
