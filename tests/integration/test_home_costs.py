"""The signed-in home is cheap: its blocks' statements are built once and serve everyone, so
each test here checks that one person's view never shows another's rows or "new" marks, and
that a view costs the same few reads however much the person has."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import update

from community.accounts.models import User, UserRole, UserSession
from community.communities.models import Thread
from community.db import utcnow
from tests.communities_support import app, db_run, person, reply, seed, settings, start_thread
from tests.helpers import Visitor, loaded_objects, sqlite_trips, statements_without_commit
from tests.integration.test_home import block
from tests.integration.test_treatments import add_course, load_vocabularies

__all__ = ["app", "settings"]


def days_ago(days: int) -> str:
    return (utcnow().date() - timedelta(days=days)).isoformat()


def set_visit(visitor: Visitor, username: str, *, seen_hours_ago: float) -> None:
    """As if `username` last opened their home that long ago (a new visit starts now)."""
    async def work(db: Any) -> None:
        await db.execute(update(User).where(User.username == username).values(
            home_seen_at=utcnow() - timedelta(hours=seen_hours_ago), home_since=None))
    db_run(visitor, work)


def set_activity(visitor: Visitor, thread_id: int, *, hours_ago: float) -> None:
    async def work(db: Any) -> None:
        await db.execute(update(Thread).where(Thread.id == thread_id).values(
            last_activity_at=utcnow() - timedelta(hours=hours_ago)))
    db_run(visitor, work)


def test_a_patients_home_reads_in_five_statements_however_much_they_have(
        new_visitor: Callable[[], Visitor]) -> None:
    """The session, then one statement per block (communities, threads followed, reminders,
    new education); no transaction; on SQLite no trip to the connection's thread."""
    setup = new_visitor()
    seed(setup)
    load_vocabularies(setup)
    ana = person(new_visitor, "ana_cost", joins=("type-2-diabetes",))
    start_thread(ana, "type-2-diabetes", title="Walking after meals")
    ana.get("/")  # the first view of a visit writes when it was seen: not measured here

    def view() -> list[str]:
        return statements_without_commit(ana, "/")

    statements = view()
    assert len(statements) == 5, statements
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements)
    for slug in ("migraine", "copd", "fibromyalgia"):
        assert ana.post(f"/communities/{slug}/join").status_code == 303
        start_thread(ana, slug, title=f"Starting out with {slug}")
    add_course(ana, "Metformin", "Type 2 diabetes", started_on=days_ago(30))
    add_course(ana, "Semaglutide", "Type 2 diabetes", started_on=days_ago(40))
    assert len(view()) == 5
    page = ana.get("/").text
    assert "Starting out with fibromyalgia" in block(page, "following")
    assert "Evaluate Semaglutide" in block(page, "reminders")

    with sqlite_trips(ana) as trips, loaded_objects(User, UserRole, UserSession) as loaded:
        assert ana.get("/").status_code == 200
    assert not trips, "the home's reads run on the event loop (SHORT_READS)"
    assert not loaded, "the person and their visit times are read as columns (PLAIN_VIEWER)"


def test_each_person_sees_their_own_blocks_and_their_own_new_marks(
        new_visitor: Callable[[], Visitor]) -> None:
    """One statement per block serves everyone: what it shows is bound per view."""
    setup = new_visitor()
    seed(setup)
    load_vocabularies(setup)
    ana = person(new_visitor, "ana_own", joins=("lupus",))
    bo = person(new_visitor, "bo_own", joins=("lupus", "migraine"))
    lupus = start_thread(ana, "lupus", title="Sun protection in summer")
    migraine = start_thread(bo, "migraine", title="Dark rooms and quiet")
    reply(bo, lupus, "A wide hat works for me.")
    add_course(bo, "Metformin", "Type 2 diabetes", started_on=days_ago(20))
    # Ana's visit started two hours ago; the lupus thread was last active three hours ago.
    ana.get("/")
    set_visit(setup, "ana_own", seen_hours_ago=2)
    set_activity(setup, lupus, hours_ago=3)

    def check_ana() -> None:
        page = ana.get("/").text
        communities, following = block(page, "communities"), block(page, "following")
        assert "/communities/migraine" not in communities
        assert "quiet since your last visit" in communities
        assert f'href="/threads/{lupus}"' in following
        assert f'href="/threads/{migraine}"' not in following
        # Active before her last visit: listed, not marked new.
        assert 'class="badge ok">new' not in following
        assert "/evaluations/new" not in block(page, "reminders")

    def check_bo() -> None:
        page = bo.get("/").text
        communities, following = block(page, "communities"), block(page, "following")
        assert "/communities/migraine" in communities
        assert "1 thread active this week" in communities  # a first visit: this week
        assert f'href="/threads/{migraine}"' in following
        assert f'href="/threads/{lupus}"' in following  # followed by replying
        assert 'class="badge ok">new' in following
        assert "Evaluate Metformin" in block(page, "reminders")

    # In both orders: nothing of one person's view is reused by the next.
    for check in (check_ana, check_bo, check_bo, check_ana):
        check()


def test_a_followed_thread_that_is_held_leaves_its_followers_home_not_its_authors(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_held", joins=("epilepsy",))
    bo = person(new_visitor, "bo_held", joins=("epilepsy",))
    thread = start_thread(ana, "epilepsy", title="Driving again after seizures")
    assert bo.post(f"/threads/{thread}/follow").status_code == 303
    assert f'href="/threads/{thread}"' in block(bo.get("/").text, "following")

    async def hold(db: Any) -> None:
        await db.execute(update(Thread).where(Thread.id == thread).values(status="pending"))
    db_run(ana, hold)
    assert f'href="/threads/{thread}"' not in block(bo.get("/").text, "following")
    assert f'href="/threads/{thread}"' in block(ana.get("/").text, "following")
