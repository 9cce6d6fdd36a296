"""The thread page reads the viewer's reactions with its posts, and translates the labels
every post repeats once per page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from jinja2 import pass_context

from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    opening_post,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, statements_of, statements_without_commit


@pytest.fixture
def thread(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> tuple[Visitor, Visitor, int]:
    seed(visitor)
    author = person(new_visitor, "author_tp", joins=("epilepsy",))
    reader = person(new_visitor, "reader_tp", joins=("epilepsy",))
    return author, reader, start_thread(author, "epilepsy", title="Sleep and seizures")


def pressed(page: str, post_id: int) -> dict[str, bool]:
    block = page.split(f'id="reactions-{post_id}"')[1].split("</div>")[0]
    # The button's text follows its (hidden) icon.
    return {kind: re.search(f'aria-pressed="true">(<svg[^>]*>.*?</svg>)?{label}', block) is not None
            for kind, label in (("helpful", "Helpful"), ("hugs", "Hugs"))}




def test_each_reader_sees_their_own_reactions_read_with_the_posts(
    thread: tuple[Visitor, Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    author, reader, thread_id = thread
    first = opening_post(author, thread_id)
    second = reply(author, thread_id, "Mine come at night, mostly.")
    assert reader.post(f"/posts/{first}/react", {"kind": "helpful"}).status_code == 303
    assert reader.post(f"/posts/{second}/react", {"kind": "hugs"}).status_code == 303
    page = reader.get(f"/threads/{thread_id}").text
    assert pressed(page, first) == {"helpful": True, "hugs": False}
    assert pressed(page, second) == {"helpful": False, "hugs": True}
    other = person(new_visitor, "other_tp", joins=("epilepsy",))
    other_page = other.get(f"/threads/{thread_id}").text
    assert pressed(other_page, first) == pressed(other_page, second) == {
        "helpful": False, "hugs": False}
    assert re.search(r'Helpful <span class="count">1</span>', other_page)
    # No statement of its own for the reactions: they come with the posts.
    statements = statements_of(reader, f"/threads/{thread_id}", selects_only=True)
    assert not [s for s in statements if s.lstrip().startswith("SELECT post_reaction")]
    assert any("post_reaction" in s for s in statements)


def test_labels_are_translated_once_per_page_not_per_post(
    thread: tuple[Visitor, Visitor, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    author, reader, thread_id = thread
    env = reader.app.state.jinja
    translate = env.globals["_"]
    calls = []

    @pass_context
    def counting(context: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(args[0])
        return context.call(translate, *args, **kwargs)

    monkeypatch.setitem(env.globals, "_", counting)

    def translations_per_view() -> int:
        reader.get(f"/threads/{thread_id}")  # warm: sessions, counters
        # Nothing kept (the cards, the page around them): every label is rendered.
        reader.app.state.runtime.fragments.clear()
        calls.clear()
        assert reader.get(f"/threads/{thread_id}").status_code == 200
        return len(calls)

    short = translations_per_view()
    for n in range(5):
        reply(author, thread_id, f"Another reply, number {n}.")
    assert translations_per_view() == short


def test_a_signed_in_view_reads_in_three_statements_without_a_transaction(
    thread: tuple[Visitor, Visitor, int], new_visitor: Callable[[], Visitor]
) -> None:
    """The session with its account and unread count; the thread with the reader's
    membership, draft and follow; the posts with the reader's reactions. A view only reads:
    no BEGIN (on PostgreSQL none is sent either: autocommit, community.db.reads_only). On
    PostgreSQL the thread and its posts are one statement (one round trip fewer)."""
    author, reader, thread_id = thread
    reply(author, thread_id, "Mine come at night, mostly.")
    reader.get(f"/threads/{thread_id}")  # warm: the session's last-seen mark, the cards
    # Nothing to commit: the session is closed instead.
    statements = statements_without_commit(reader, f"/threads/{thread_id}")
    if reader.app.state.runtime.engine.dialect.name == "postgresql":
        assert len(statements) == 2, statements
        assert "UNION ALL" in statements[1] and "post_reaction" in statements[1]
    else:
        assert len(statements) == 3, statements
    assert all(s.lstrip().upper().startswith(("SELECT", "(SELECT")) for s in statements)
    assert "follow" in statements[1]
    # The follow flag read with the thread is the reader's own.
    assert "Stop following" not in reader.get(f"/threads/{thread_id}").text
    assert reader.post(f"/threads/{thread_id}/follow").status_code == 303
    assert "You follow this thread" in reader.get(f"/threads/{thread_id}").text
    other = person(new_visitor, "other_fl", joins=("epilepsy",))
    assert "Stop following" not in other.get(f"/threads/{thread_id}").text
    assert "Stop following" in author.get(f"/threads/{thread_id}").text  # automatic
    assert reader.post(f"/threads/{thread_id}/follow", {"action": "unfollow"}).status_code == 303
    assert "Stop following" not in reader.get(f"/threads/{thread_id}").text
