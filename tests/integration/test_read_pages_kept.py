"""The read pages of issue 18's targets (the personal home, the thread list, search, the
condition page, the treatment report) send their reads straight to the driver
(`community.db.read_rows`), not through SQLAlchemy's execution; the home's blocks and
search's hits are kept as rendered, keyed by everything they show, so the tests here walk
the sequence after the cache is warm: a second reader, an edit, a new evaluation, a
moderation action, a language switch."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.sql import Select
from sqlalchemy.sql.selectable import CompoundSelect

from community.communities.models import Thread
from community.db import utcnow
from outcomes.catalog.models import Treatment
from outcomes.reports.models import TreatmentSummary
from tests.communities_support import (
    app,
    db_run,
    opening_post,
    person,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, loaded_objects, sqlite_trips
from tests.integration.test_home import block
from tests.integration.test_narrowed_reports import populate, population
from tests.integration.test_treatments import add_course, evaluate, load_vocabularies

__all__ = ["app", "population", "settings"]


def days_ago(days: int) -> str:
    return (utcnow().date() - timedelta(days=days)).isoformat()


@contextmanager
def sqlalchemy_selects(visitor: Visitor) -> Iterator[list[str]]:
    """The SELECTs run through SQLAlchemy's execution (`Connection.execute`, as Core or by
    the ORM) while inside; `read_rows` sends its SQL to the driver without it."""
    engine = visitor.app.state.runtime.engine.sync_engine
    seen: list[str] = []

    def executed(_connection: Any, clause: Any, *_args: Any) -> None:
        if isinstance(clause, Select | CompoundSelect):
            seen.append(str(clause)[:120])

    event.listen(engine, "before_execute", executed)
    try:
        yield seen
    finally:
        event.remove(engine, "before_execute", executed)


def kept_kinds(visitor: Visitor) -> list[str]:
    """The kinds of the entries in the process's fragment cache (keyed (language, key))."""
    entries: Any = visitor.app.state.runtime.fragments._entries
    return [key[1][0] for key in entries if isinstance(key[1], tuple) and key[1]]


def results(page: str) -> str:
    match = re.search(r'<ol class="results" id="results">.*?</ol>', page, re.S)
    assert match, page
    return match.group(0)


def test_the_read_pages_run_no_select_through_sqlalchemys_execution(
        new_visitor: Callable[[], Visitor]) -> None:
    """Once a page's kept fragments are warm, every read it makes goes straight to the
    driver: SQLAlchemy's execution (its cache key, execution context and result) cost more
    than the database spent answering."""
    setup = new_visitor()
    seed(setup)
    load_vocabularies(setup)
    ana = person(new_visitor, "ana_direct", joins=("type-2-diabetes",))
    start_thread(ana, "type-2-diabetes", title="Metformin and walking", audience="public",
                 body="metformin with a walk after dinner")
    course = add_course(ana, "Metformin", "Type 2 diabetes", started_on=days_ago(30))
    assert evaluate(ana, course).status_code == 303
    outsider = new_visitor()
    pages: list[tuple[Visitor, str]] = [
        (ana, "/"), (outsider, "/communities/type-2-diabetes"),
        (outsider, "/search?q=metformin"), (outsider, "/conditions/type-2-diabetes"),
        (outsider, "/treatments/metformin"),
    ]
    for visitor, url in pages:
        visitor.get(url)  # the kept fragments are made (their own reads are not counted)
        with sqlalchemy_selects(visitor) as seen:
            response = visitor.get(url)
        assert response.status_code == 200, url
        assert seen == [], (url, seen)
    assert "Metformin and walking" in outsider.get("/search?q=metformin").text


def test_a_treatment_report_reads_its_treatment_as_columns_on_the_event_loop(
        new_visitor: Callable[[], Visitor]) -> None:
    setup = new_visitor()
    seed(setup)
    load_vocabularies(setup)
    ana = person(new_visitor, "ana_report", joins=("type-2-diabetes",))
    course = add_course(ana, "Metformin", "Type 2 diabetes", started_on=days_ago(60))
    assert evaluate(ana, course).status_code == 303
    outsider = new_visitor()
    url = "/treatments/metformin"
    outsider.get(url)
    with loaded_objects(Treatment, TreatmentSummary) as loaded, \
            sqlite_trips(outsider) as trips:
        page = outsider.get(url).text
    assert not loaded, "the treatment and its summary are read as columns"
    assert not trips, "on SQLite the treatment's read runs on the event loop (short_read)"
    assert "<h1>Metformin" in page and "biguanide" in page.lower()
    assert outsider.get("/treatments/no-such-treatment").status_code == 404


def test_the_homes_kept_blocks_follow_each_reader_edits_evaluations_holds_and_language(
        new_visitor: Callable[[], Visitor]) -> None:
    setup = new_visitor()
    seed(setup)
    load_vocabularies(setup)
    ana = person(new_visitor, "ana_kept", joins=("lupus",))
    bo = person(new_visitor, "bo_kept", joins=("lupus", "migraine"))
    thread = start_thread(ana, "lupus", title="Sun protection in summer")
    assert bo.post(f"/threads/{thread}/follow").status_code == 303
    for visitor in (ana, bo, ana, bo):
        assert visitor.get("/").status_code == 200
    assert "home-blocks" in kept_kinds(ana), "the blocks are kept as rendered"

    # A second reader: each home is its own, in both orders, from the warm cache.
    for _ in range(2):
        assert "/communities/migraine" in block(bo.get("/").text, "communities")
        assert "/communities/migraine" not in block(ana.get("/").text, "communities")

    # An edit of what a block shows: both followers see the new title.
    async def retitle(db: Any) -> None:
        await db.execute(update(Thread).where(Thread.id == thread).values(
            title="Sun protection all year"))
    db_run(setup, retitle)
    for visitor in (ana, bo):
        following = block(visitor.get("/").text, "following")
        assert "Sun protection all year" in following and "in summer" not in following

    # A new treatment is due an evaluation on its taker's home only; evaluating it clears it.
    course = add_course(ana, "Metformin", "Type 2 diabetes", started_on=days_ago(30))
    assert "Evaluate Metformin" in block(ana.get("/").text, "reminders")
    assert "Evaluate Metformin" not in block(bo.get("/").text, "reminders")
    assert evaluate(ana, course).status_code == 303
    assert "Evaluate Metformin" not in block(ana.get("/").text, "reminders")

    # A moderation action: the held thread leaves its follower's home, not its author's.
    async def hold(db: Any) -> None:
        await db.execute(update(Thread).where(Thread.id == thread).values(status="pending"))
    db_run(setup, hold)
    assert f'href="/threads/{thread}"' not in block(bo.get("/").text, "following")
    assert f'href="/threads/{thread}"' in block(ana.get("/").text, "following")

    # A language switch: the kept blocks are the reader's language, not the last reader's.
    assert ana.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    assert "Ваши сообщества" in ana.get("/").text
    page = bo.get("/").text
    assert "Your communities" in page and "Ваши сообщества" not in page


def test_search_hits_are_kept_by_what_they_show_and_found_by_each_readers_rules(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_hits", joins=("lupus",))
    bo = person(new_visitor, "bo_hits", joins=("lupus",))
    public = start_thread(ana, "lupus", title="Sun and rashes", audience="public",
                          body="hydroxychloroquine publicword helps my skin")
    members = start_thread(ana, "lupus", title="Between us", audience="members",
                           body="hydroxychloroquine memberword among members")
    outsider = new_visitor()
    url = "/search?q=hydroxychloroquine"
    for visitor in (bo, outsider, bo, outsider):
        assert visitor.get(url).status_code == 200
    assert "search-hit" in kept_kinds(bo), "the hits are kept as rendered"

    # A second reader: each finds what they may read, in both orders, from the warm cache.
    for _ in range(2):
        found = results(outsider.get(url).text)
        assert "publicword" in found and "memberword" not in found
        found = results(bo.get(url).text)
        assert "publicword" in found and "memberword" in found

    # An edit: the new text is found and shown, the old words are not.
    post_id = opening_post(ana, public)
    assert ana.post(f"/posts/{post_id}/edit",
                    {"body": "hydroxychloroquine editedword since spring"}).status_code == 303
    for visitor in (outsider, bo):
        found = results(visitor.get(url).text)
        assert "editedword" in found and "publicword" not in found

    # A moderation action: a held thread's posts are no longer found by another member.
    async def hold(db: Any) -> None:
        await db.execute(update(Thread).where(Thread.id == members).values(status="pending"))
    db_run(ana, hold)
    assert "memberword" not in results(bo.get(url).text)

    # A language switch: the reader's language, not the last reader's.
    assert outsider.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    assert "Обсуждение" in results(outsider.get(url).text)
    found = results(bo.get(url).text)
    assert "Discussion" in found and "Обсуждение" not in found


def narrow_form(page: str) -> str:
    match = re.search(r'<form class="narrow-form".*?</form>', page, re.S)
    assert match, "no narrowing form"
    return match.group(0)


def test_the_narrowing_form_is_kept_by_its_choices_the_values_chosen_and_the_reader(
        population: Visitor, new_visitor: Callable[[], Visitor]) -> None:
    """The form offering "people like me" is the same for every reader of a treatment
    version but for the values chosen and whether they are signed in; kept by those."""
    anonymous = population
    narrowed, whole = "/treatments/metformin?sex=female", "/treatments/metformin"
    for url in (narrowed, whole, narrowed):
        assert anonymous.get(url).status_code == 200
    assert "narrow-form" in kept_kinds(anonymous), "the form is kept as rendered"

    form = narrow_form(anonymous.get(narrowed).text)
    assert '<option value="female" selected>' in form and 'href="/treatments/metformin"' in form
    assert "Use my profile" not in form
    form = narrow_form(anonymous.get(whole).text)
    assert " selected>" not in form and 'href="/treatments/metformin"' not in form

    # A second reader, signed in, is offered their profile; their own choice is marked.
    reader = new_visitor()
    reader.signup_and_login("narrow_reader")
    form = narrow_form(reader.get("/treatments/metformin?sex=male").text)
    assert "Use my profile" in form and '<option value="male" selected>' in form
    assert '<option value="female" selected>' not in form
    assert "Use my profile" not in narrow_form(anonymous.get(narrowed).text)

    # New evaluations change the summary's version: the form is made afresh for it.
    forms = kept_kinds(anonymous).count("narrow-form")
    populate(anonymous, patients=20, seed=11)
    form = narrow_form(anonymous.get(narrowed).text)
    assert '<option value="female" selected>' in form and "Use my profile" not in form
    assert kept_kinds(anonymous).count("narrow-form") == forms + 1

    # A language switch: the reader's language, not the last reader's.
    assert reader.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    assert "Показать только похожих на меня" in narrow_form(reader.get(narrowed).text)
    form = narrow_form(anonymous.get(narrowed).text)
    assert "Narrow to people like me" in form and "Показать" not in form


def test_the_signed_out_evaluation_list_is_kept_per_version_and_never_shows_a_readers_own(
        new_visitor: Callable[[], Visitor]) -> None:
    """Signed out, the evaluations shared with everyone are kept as shown under the
    summary's version; a signed-in reader's list, which holds their own, never is."""
    setup = new_visitor()
    load_vocabularies(setup)
    ana = new_visitor()
    ana.signup_and_login("ana_shares")
    first = add_course(ana)
    assert evaluate(ana, first, tip="Take it with food.").status_code == 303
    outsider = new_visitor()
    url = "/treatments/methotrexate"
    for _ in range(2):
        assert "Take it with food." in outsider.get(url).text
    assert "evaluation list" in kept_kinds(outsider), "the signed-out list is kept"

    # A second reader's evaluation, shared with members only: members read it, the
    # signed-out reader never does; its author reads it as their own.
    bo = new_visitor()
    bo.signup_and_login("bo_shares")
    second = add_course(bo)
    assert evaluate(bo, second, tip="Only for members.", visibility="members"
                    ).status_code == 303
    for _ in range(2):
        assert "Only for members." not in outsider.get(url).text
        assert "Only for members." in ana.get(url).text
        assert "Only for members." in bo.get(url).text

    # A private evaluation is its author's alone, though a signed-out list is kept.
    carla = new_visitor()
    carla.signup_and_login("carla_shares")
    third = add_course(carla)
    assert evaluate(carla, third, tip="Just for me.", visibility="only_me").status_code == 303
    assert "Just for me." in carla.get(url).text
    for reader in (outsider, ana, bo, outsider):
        assert "Just for me." not in reader.get(url).text

    # A person removed from the outcomes leaves the kept list at once (a new version).
    from community.accounts.models import User
    from outcomes.treatments.services import remove_person_outcomes

    async def remove(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            user_id = await db.scalar(select(User.id).where(User.username == "ana_shares"))
            await remove_person_outcomes(db, user_id)
            await db.commit()
    setup.run(remove)
    assert "Take it with food." not in outsider.get(url).text

    # A language switch: the reader's language, not the last reader's.
    assert outsider.post("/language", {"language": "ru", "next": "/"}).status_code == 303
    assert "Оценки, которыми поделились пациенты" in outsider.get(url).text
    page = new_visitor().get(url).text
    assert "Evaluations shared by patients" in page and "Оценки" not in page
