"""A thread page's post cards are also kept as one run (`Cards.run_kept`, keyed by
`community.communities.cards.post_cards` from the posts as read): a page whose cards are all
kept is found by one lookup, reads no text and converts no row. Each test below keeps the
run, drops the cards kept one by one (so only the run can serve the page) and checks that
every change and every other reader gets their own page, never the run of another."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import update

from community.accounts.models import Role, User
from community.communities.services import apply_moderation_decision
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    grant,
    opening_post,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import CSRF_FIELD, Visitor, statements_of
from tests.integration.test_cold_thread_page import cards_of
from tests.integration.test_rendered_cards import post_card
from tests.integration.test_threads_htmx import _add_posts


def entries(visitor: Visitor, kind: str) -> list[Any]:
    # Each entry's key is (language, the caller's key); a card's own key starts with its kind.
    return [key for _language, key in visitor.app.state.runtime.fragments._entries
            if key[0] == kind]


def only_the_run(visitor: Visitor) -> None:
    """Forget every card kept one by one: what the page shows of its posts then comes from
    a kept run or is rendered afresh."""
    cache = visitor.app.state.runtime.fragments
    for entry in [entry for entry in cache._entries if entry[1][0] == "post-card"]:
        del cache._entries[entry]


def from_the_run(visitor: Visitor, url: str) -> str:
    """The page as a later view gets it: its run kept, no card kept one by one."""
    visitor.get(url)
    only_the_run(visitor)
    return visitor.get(url).text


@pytest.fixture
def cast(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    seed(visitor)
    return {name: person(new_visitor, name, joins=("epilepsy",))
            for name in ("run_author", "run_ana", "run_bo")}


def test_a_page_of_kept_cards_is_one_run_with_each_readers_token(
        cast: dict[str, Visitor]) -> None:
    author, ana, bo = cast["run_author"], cast["run_ana"], cast["run_bo"]
    thread_id = start_thread(author, "epilepsy", title="Auras in the morning")
    reply(author, thread_id, "Mine come with a **smell**.")
    url = f"/threads/{thread_id}"
    for reader in (ana, bo):
        reader.get(url)  # the flash of joining shows once
    afresh = cards_of(ana.get(url).text)
    assert len(afresh) == 2 and entries(ana, "post-card-run")
    only_the_run(ana)
    # The run alone serves the page: no text read, the same cards, this reader's tokens.
    statements = statements_of(ana, url, selects_only=True)
    assert not [s for s in statements if "body_html" in s], statements
    page = ana.get(url).text
    assert cards_of(page) == afresh and "<strong>smell</strong>" in page
    assert set(CSRF_FIELD.findall(page)) == {ana.csrf()}
    # Another reader of the same kind shares the run, with their own token.
    shared = bo.get(url).text
    assert cards_of(shared) == afresh
    assert set(CSRF_FIELD.findall(shared)) == {bo.csrf()} and bo.csrf() != ana.csrf()


def test_the_run_follows_reactions_edits_roles_names_and_removals(
        cast: dict[str, Visitor]) -> None:
    author, ana, bo = cast["run_author"], cast["run_ana"], cast["run_bo"]
    thread_id = start_thread(author, "epilepsy", title="Driving after a seizure")
    first = opening_post(author, thread_id)
    second = reply(author, thread_id, "Six months without one, here.")
    url = f"/threads/{thread_id}"
    for reader in (ana, bo):
        reader.get(url)
    before = post_card(from_the_run(ana, url), first)
    assert 'aria-pressed="false"' in before and 'class="badge verified"' not in before

    # Another's reaction: the count, for everyone; the reactor's own button pressed.
    assert bo.post(f"/posts/{first}/react", {"kind": "helpful"}).status_code == 303
    counted = post_card(from_the_run(ana, url), first)
    assert re.search(r'Helpful <span class="count">1</span>', counted)
    assert 'aria-pressed="true"' not in counted
    assert 'aria-pressed="true"' in post_card(from_the_run(bo, url), first)

    # An edit: the new text.
    assert author.post(f"/posts/{second}/edit", {"body": "A year now, back on the road."}
                       ).status_code == 303
    edited = from_the_run(ana, url)
    assert "A year now, back on the road." in post_card(edited, second)
    assert "Six months without one" not in edited

    # A role and a new name: the badge and the name as shown.
    grant(author, "run_author", Role.CLINICIAN)
    assert 'class="badge verified"' in post_card(from_the_run(ana, url), first)

    async def rename(db: Any) -> None:
        await db.execute(update(User).where(User.username == "run_author")
                         .values(username="run_writer", username_key="run_writer"))

    db_run(author, rename)
    renamed = post_card(from_the_run(ana, url), first)
    assert "run_writer" in renamed and "run_author" not in renamed

    # Removed by a moderator: gone from the others' page.
    async def remove(db: Any) -> None:
        await apply_moderation_decision(db, second, status="removed", actor_id=None)

    db_run(author, remove)
    page = from_the_run(ana, url)
    assert f'id="post-{second}"' not in page and f'id="post-{first}"' in page


def test_each_reader_gets_the_run_of_their_own_posts(cast: dict[str, Visitor]) -> None:
    """Two readers of the same kind who wrote different posts of the page: each is offered
    to edit their own post only (the places of the reader's posts are in the run's key)."""
    author, ana, bo = cast["run_author"], cast["run_ana"], cast["run_bo"]
    thread_id = start_thread(author, "epilepsy", title="Sleep and seizures")
    of_ana = reply(ana, thread_id, "Less sleep, more auras for me.")
    of_bo = reply(bo, thread_id, "The same, after night shifts.")
    url = f"/threads/{thread_id}"
    for reader in (ana, bo):
        reader.get(url)
    for reader, own, other in ((ana, of_ana, of_bo), (bo, of_bo, of_ana)):
        page = from_the_run(reader, url)
        assert f"/posts/{own}/edit" in post_card(page, own), reader
        assert f"/posts/{other}/edit" not in post_card(page, other), reader
        assert f"/posts/{other}/react" in post_card(page, other), reader


def test_a_page_showing_a_held_post_to_its_author_keeps_no_run_for_them(
        cast: dict[str, Visitor]) -> None:
    """The author's card of their own held post shows its status (rendered afresh, for
    them); the others' page, without it, is kept as a run as usual."""
    author, ana = cast["run_author"], cast["run_ana"]
    thread_id = start_thread(author, "epilepsy", title="Medication timing")
    held = reply(author, thread_id, "My first post here, with a question.")

    async def hold(db: Any) -> None:
        await apply_moderation_decision(db, held, status="pending", actor_id=None)

    db_run(author, hold)
    url = f"/threads/{thread_id}"
    author.get(url)
    runs = len(entries(author, "post-card-run"))
    for _view in range(2):
        page = from_the_run(author, url)
        assert "Waiting for review" in post_card(page, held)
    assert len(entries(author, "post-card-run")) == runs
    ana.get(url)
    page = from_the_run(ana, url)
    assert f'id="post-{held}"' not in page and "Waiting for review" not in page
    assert len(entries(ana, "post-card-run")) == runs + 1


def test_the_run_kept_as_utf8_is_each_languages_own_on_every_path(
        cast: dict[str, Visitor]) -> None:
    """The cards are kept as UTF-8 and put into the page as they are kept (`Cards(utf8=True)`,
    `cards.as_utf8`): each language's run, the same cards as rendered afresh, on the kept page,
    on htmx's "load more" and on a page rendered whole (a draft in the reply box)."""
    author, ana, bo = cast["run_author"], cast["run_ana"], cast["run_bo"]
    thread_id = start_thread(author, "epilepsy", title="Приступы по утрам",
                             body="Запах **перед** приступом.")
    _add_posts(author, thread_id, "run_author", 22)  # 23 posts: a second page
    url = f"/threads/{thread_id}"
    for reader in (ana, bo):
        reader.get(url)
    assert bo.post("/language", {"language": "ru", "next": "/"}).status_code in (302, 303)
    bo.get(url)
    pages = {}
    for reader, helpful in ((ana, "Helpful"), (bo, "Полезно")):
        page = from_the_run(reader, url)
        assert entries(reader, "post-card-run")
        assert "Запах <strong>перед</strong> приступом." in page
        assert helpful in post_card(page, opening_post(author, thread_id))
        assert set(CSRF_FIELD.findall(page)) == {reader.csrf()}
        pages[reader] = page
    link = re.search(rf'hx-get="/threads/{thread_id}\?after=(\d+)"', pages[ana])
    assert link
    more = f"{url}?after={link.group(1)}"
    later = [ana.get(more, htmx=True).text for _view in range(2)]
    assert "<html" not in later[0] and cards_of(later[0]) == cards_of(later[1])
    assert len(cards_of(later[1])) == 3 and "Reply number 21" in later[1]
    # Rendered afresh, with nothing kept: the same cards in each language.
    ana.app.state.runtime.fragments.clear()
    for reader, page in pages.items():
        assert cards_of(reader.get(url).text) == cards_of(page)
    assert cards_of(ana.get(more, htmx=True).text) == cards_of(later[1])
    # A draft in the reply box: the page is rendered whole, its cards from the run.
    assert ana.post(f"/threads/{thread_id}/draft", {"body": "Ещё не готово"}).status_code < 400
    drafted = from_the_run(ana, url)
    assert "Ещё не готово" in drafted and cards_of(drafted) == cards_of(pages[ana])
