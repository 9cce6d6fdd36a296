"""A thread page whose post cards are not kept (the "cold" page): the posts to render are
read as columns, and their cards show the same as a kept card or one made from a full post."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from community.accounts.models import Role
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, statements_of

TOKENS = re.compile(r'name="_(csrf_token|submission)" value="[^"]+"')


def cards_of(page: str) -> list[str]:
    return [TOKENS.sub("", card) for card in
            re.findall(r'<article class="post.*?</article>', page, re.DOTALL)]


def forget_cards(visitor: Visitor) -> None:
    visitor.app.state.runtime.fragments.clear()


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]
           ) -> tuple[Visitor, Visitor, Visitor, int]:
    seed(visitor)
    author = person(new_visitor, "cold_author", joins=("epilepsy",))
    clinician = person(new_visitor, "cold_doctor", joins=("epilepsy",), role=Role.CLINICIAN)
    reader = person(new_visitor, "cold_reader", joins=("epilepsy",))
    thread_id = start_thread(author, "epilepsy", title="Inhalers in the cold",
                             body="Cold air makes my chest **tight**.")
    reply(clinician, thread_id, "In general, a scarf over the mouth warms the air.")
    reply(author, thread_id, "Thank you, I will try that.")
    return author, clinician, reader, thread_id


def test_posts_whose_cards_are_not_kept_are_read_as_columns(
        thread: tuple[Visitor, Visitor, Visitor, int]) -> None:
    """Their stored HTML by id, one statement: no author, no roles, no text as written (the
    facts statement already has what the card shows of them)."""
    _author, _clinician, reader, thread_id = thread
    reader.get(f"/threads/{thread_id}")  # warm: the session's marks
    forget_cards(reader)
    statements = statements_of(reader, f"/threads/{thread_id}", selects_only=True)
    texts = [s for s in statements if "body_html" in s]
    assert len(texts) == 1, statements
    assert "user_account" not in texts[0] and "user_role" not in texts[0]
    assert not re.search(r"post\.body\b(?!_html)", texts[0])
    # Kept now: the next view reads no text at all.
    statements = statements_of(reader, f"/threads/{thread_id}", selects_only=True)
    assert not [s for s in statements if "body_html" in s]


def test_a_card_from_columns_is_the_card_that_is_kept(
        thread: tuple[Visitor, Visitor, Visitor, int]) -> None:
    author, _clinician, reader, thread_id = thread
    for viewer in (reader, author):
        forget_cards(viewer)
        cold = cards_of(viewer.get(f"/threads/{thread_id}").text)
        kept = cards_of(viewer.get(f"/threads/{thread_id}").text)
        assert len(cold) == 3 and cold == kept
    page = reader.get(f"/threads/{thread_id}").text
    first, second, third = cards_of(page)
    assert "<strong>tight</strong>" in first and "cold_author" in first
    assert 'class="badge verified"' in second and "cold_doctor" in second
    assert 'class="badge verified"' not in first + third
    # The reader may react to and report others' posts; the author edits their own.
    assert "/react" in first and "/flags/new" in first and "/edit" not in first
    own = cards_of(author.get(f"/threads/{thread_id}").text)[0]
    assert "/edit" in own and "/react" not in own and "/flags/new" not in own


def test_a_held_post_seen_by_its_author_shows_what_screening_found(
        thread: tuple[Visitor, Visitor, Visitor, int]) -> None:
    """A screened post's card is never kept; its text as written and spans are read with its
    HTML, for the moderation notice its author sees."""
    author, _clinician, reader, thread_id = thread
    reply(author, thread_id, "Sarah HOLDME says the scarf works for her too.")
    forget_cards(author)
    own = author.get(f"/threads/{thread_id}").text
    held = cards_of(own)[-1]
    assert "Waiting for review" in held and "status-pending" in held
    # The notice marks what was found, in the text as written (screen_spans: 0 to 6).
    assert re.search(r"<mark[^>]*>Sarah", held), held
    assert "HOLDME" not in reader.get(f"/threads/{thread_id}").text
