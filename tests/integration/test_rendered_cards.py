"""Post cards and thread rows are rendered once and reused (community.cards): every reader
still gets their own CSRF token, their own view of a post, and every change at once."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from community.cache import LRUCache
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    opening_post,
    person,
    reply,
    seed,
    settings,
    start_thread,
)
from tests.helpers import CSRF_FIELD, Visitor, statements_of


def kept(visitor: Visitor, kind: str) -> int:
    cache: LRUCache = visitor.app.state.runtime.fragments
    # Each entry's key is (language, the caller's key); a card's own key starts with its kind.
    return sum(1 for _language, key in cache._entries if key[0] == kind)


def post_card(page: str, post_id: int) -> str:
    match = re.search(rf'<article class="post[^"]*" id="post-{post_id}">.*?</article>', page,
                      re.DOTALL)
    assert match, f"post {post_id} is not on the page"
    return match.group(0)


def thread_row(page: str, thread_id: int) -> str:
    match = re.search(rf'<li class="card" id="thread-{thread_id}">.*?</li>', page, re.DOTALL)
    assert match, f"thread {thread_id} is not listed"
    return match.group(0)


@pytest.fixture
def people(visitor: Visitor, new_visitor: Callable[[], Visitor]) -> dict[str, Visitor]:
    seed(visitor)
    return {name: person(new_visitor, name, joins=("epilepsy",))
            for name in ("card_author", "card_reader", "card_other")}


def test_each_reader_gets_their_own_token_in_a_kept_card(people: dict[str, Visitor]) -> None:
    author, reader, other = people["card_author"], people["card_reader"], people["card_other"]
    thread_id = start_thread(author, "epilepsy", title="Auras before sleep")
    reply(author, thread_id, "They come in the evening for me.")
    first = reader.get(f"/threads/{thread_id}").text
    assert kept(reader, "post-card") >= 2
    second = other.get(f"/threads/{thread_id}").text
    # The second reader's cards came from the cache, with their token put back.
    assert set(CSRF_FIELD.findall(first)) == {reader.csrf()}
    assert set(CSRF_FIELD.findall(second)) == {other.csrf()}
    assert reader.csrf() != other.csrf()
    assert len(CSRF_FIELD.findall(second)) == len(CSRF_FIELD.findall(first))


def test_a_kept_card_follows_edits_reactions_and_who_reads(
    people: dict[str, Visitor], new_visitor: Callable[[], Visitor]
) -> None:
    author, reader, other = people["card_author"], people["card_reader"], people["card_other"]
    thread_id = start_thread(author, "epilepsy", title="Driving again", audience="public")
    post_id = opening_post(author, thread_id)
    before = post_card(reader.get(f"/threads/{thread_id}").text, post_id)
    assert 'aria-pressed="false"' in before and "/edit" not in before

    # The author's view is their own, though a reader's card for the same post is kept.
    own = post_card(author.get(f"/threads/{thread_id}").text, post_id)
    assert f"/posts/{post_id}/edit" in own and "/react" not in own
    anonymous = post_card(new_visitor().get(f"/threads/{thread_id}").text, post_id)
    assert "<form" not in anonymous and "/flags/new" not in anonymous

    assert author.post(f"/posts/{post_id}/edit",
                       {"body": "Six months seizure-free, then back on the road."}
                       ).status_code == 303
    edited = post_card(reader.get(f"/threads/{thread_id}").text, post_id)
    assert "Six months seizure-free" in edited and "edited" in edited

    assert other.post(f"/posts/{post_id}/react", {"kind": "helpful"}).status_code == 303
    counted = post_card(reader.get(f"/threads/{thread_id}").text, post_id)
    assert re.search(r'Helpful <span class="count">1</span>', counted)
    assert 'aria-pressed="true"' not in counted
    pressed = post_card(other.get(f"/threads/{thread_id}").text, post_id)
    assert 'aria-pressed="true"' in pressed


def test_a_page_of_kept_cards_reads_no_post_text_until_one_changes(
    people: dict[str, Visitor],
) -> None:
    """The thread page keys its cards from the posts' columns and loads whole (text, author,
    roles) only the posts whose cards are not kept."""
    author, reader = people["card_author"], people["card_reader"]
    thread_id = start_thread(author, "epilepsy", title="Keeping a seizure diary")
    first = opening_post(author, thread_id)
    second = reply(author, thread_id, "I write the time and what came before.")

    def texts_read() -> list[str]:
        statements = statements_of(reader, f"/threads/{thread_id}", selects_only=True)
        return [s for s in statements if "post.body_html" in s]

    reader.get(f"/threads/{thread_id}")
    assert texts_read() == []
    page = reader.get(f"/threads/{thread_id}").text
    assert "I write the time and what came before." in page
    assert author.post(f"/posts/{second}/edit", {"body": "Time, food and sleep, every day."}
                       ).status_code == 303
    (reread,) = texts_read()
    # Only the edited post is read again, and the page shows its new text.
    ids = re.search(r"post\.id IN \(([^)]*)\)", reread)
    assert ids is not None and "," not in ids.group(1), reread
    page = reader.get(f"/threads/{thread_id}").text
    assert "Time, food and sleep, every day." in post_card(page, second)
    assert "I write the time" not in page
    assert post_card(page, first)
    assert texts_read() == []


def test_a_kept_thread_row_follows_replies_and_membership(
    people: dict[str, Visitor], new_visitor: Callable[[], Visitor]
) -> None:
    author, reader = people["card_author"], people["card_reader"]
    thread_id = start_thread(author, "epilepsy", title="Night-time seizures")
    outsider = new_visitor()
    hidden = thread_row(outsider.get("/communities/epilepsy").text, thread_id)
    assert "Members only" in hidden and "card_author" not in hidden
    shown = thread_row(reader.get("/communities/epilepsy").text, thread_id)
    assert "card_author" in shown and "0 replies" in shown and "Members only" not in shown
    assert kept(reader, "thread-row") >= 2

    reply(reader, thread_id, "Same here, mostly around 3 am.")
    after = thread_row(reader.get("/communities/epilepsy").text, thread_id)
    assert "1 reply" in after
    assert "card_author" not in thread_row(outsider.get("/communities/epilepsy").text, thread_id)


def site_header(page: str) -> str:
    match = re.search(r'<header class="site-header">.*?</header>', page, re.DOTALL)
    assert match, "no site header"
    return match.group(0)


def unread_badge(header: str) -> list[str]:
    return re.findall(r'<span class="badge warn">(\d+)<span class="visually-hidden">', header)


def test_the_kept_site_header_is_each_readers_own_and_follows_their_counts(
    people: dict[str, Visitor], visitor: Visitor
) -> None:
    """The layout's header is kept per language and viewer with the counts it shows
    (community.web.kept_layout): never another reader's name, token or count."""
    author, reader, other = people["card_author"], people["card_reader"], people["card_other"]
    thread_id = start_thread(author, "epilepsy", title="Night-time auras")
    reader.get(f"/threads/{thread_id}")
    assert kept(reader, "layout") >= 1
    for person_, name in ((reader, "card_reader"), (other, "card_other")):
        header = site_header(person_.get(f"/threads/{thread_id}").text)
        assert f'<a href="/account">{name}</a>' in header
        assert set(CSRF_FIELD.findall(header)) == {person_.csrf()}
        assert not unread_badge(header)
    anonymous = site_header(visitor.get(f"/threads/{thread_id}").text)
    assert "card_" not in anonymous and '<a href="/login">Sign in</a>' in anonymous
    # A reply reaches the author (who follows their thread): their badge counts it at once,
    # the others' headers stay as they were.
    reply(reader, thread_id, "Mine too, around midnight.")
    assert set(unread_badge(site_header(author.get(f"/threads/{thread_id}").text))) == {"1"}
    assert not unread_badge(site_header(other.get(f"/threads/{thread_id}").text))
    # Another language is another header.
    assert other.post("/language", {"language": "ru", "next": "/"}).status_code in (302, 303)
    russian = site_header(other.get(f"/threads/{thread_id}").text)
    assert "Sign out" not in russian and "card_other" in russian


def reply_form(page: str) -> str:
    match = re.search(r'<form id="reply-form".*?</form>', page, re.DOTALL)
    assert match, "no reply box"
    return match.group(0)


def test_the_kept_empty_reply_box_carries_each_readers_token_and_never_a_draft(
    people: dict[str, Visitor],
) -> None:
    """The empty reply box is kept per thread (`kept` in community.web); a draft, an error
    or a preview is rendered afresh, for its owner only."""
    author, reader, other = people["card_author"], people["card_reader"], people["card_other"]
    thread_id = start_thread(author, "epilepsy", title="Auras and naps")
    first = reply_form(reader.get(f"/threads/{thread_id}").text)
    assert kept(reader, "reply-form") == 1
    second = reply_form(other.get(f"/threads/{thread_id}").text)
    assert set(CSRF_FIELD.findall(first)) == {reader.csrf()}
    assert set(CSRF_FIELD.findall(second)) == {other.csrf()}
    assert first.replace(reader.csrf(), "").split('name="_submission"')[0] == (
        second.replace(other.csrf(), "").split('name="_submission"')[0])
    saved = reader.post(f"/threads/{thread_id}/draft", {"body": "Naps help me, mostly."},
                        htmx=True)
    assert saved.status_code == 200
    own = reply_form(reader.get(f"/threads/{thread_id}").text)
    assert "Naps help me, mostly." in own and "is back in the reply box" in own
    assert "Naps help me" not in other.get(f"/threads/{thread_id}").text
    assert kept(reader, "reply-form") == 1
