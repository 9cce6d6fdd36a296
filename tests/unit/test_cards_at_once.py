"""`Cards.all_at_once` (community.cards): the cards a page does not find kept are rendered in
one call and split, each kept under its own key as `all` keeps it; a card with no key is
the reader's alone; a reader's token is never kept."""

from __future__ import annotations

from collections.abc import Hashable

import pytest
from markupsafe import Markup, escape

from community.cache import LRUCache
from community.cards import Cards

TOKEN = Markup('<input type="hidden" name="_csrf_token" value="reader-one">')
OTHER = Markup('<input type="hidden" name="_csrf_token" value="reader-two">')


def key(item: int) -> Hashable | None:
    return None if item % 5 == 0 else ("item", item)


def card(item: int, token: str) -> str:
    return f'<li id="c{item}">{escape(str(item))}<form>{token}</form></li>'


class Renders:
    """A render for `all_at_once` that records what it was asked for."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.asked: list[list[int]] = []

    def __call__(self, items: list[int], between: str) -> str:
        self.asked.append(list(items))
        return "".join(card(item, self.token) + between for item in items)


def test_at_once_makes_what_all_makes_and_keeps_each_card() -> None:
    items = [1, 2, 3, 4, 5, 6]
    one_by_one = Cards(LRUCache(100), "c", key).all(items, lambda i: card(i, TOKEN), TOKEN)
    cache = LRUCache(100)
    render = Renders(TOKEN)
    at_once = Cards(cache, "c", key).all_at_once(items, render, TOKEN)
    assert at_once == one_by_one
    assert render.asked == [items]
    assert len(cache) == 5  # item 5 has no key: rendered for this reader, kept nowhere
    assert not any("reader-one" in text for text in cache._entries.values())


def test_only_the_cards_not_kept_are_rendered_and_each_reader_gets_their_token() -> None:
    cache = LRUCache(100)
    Cards(cache, "c", key).all_at_once([1, 2], Renders(TOKEN), TOKEN)
    render = Renders(OTHER)
    page = Cards(cache, "c", key).all_at_once([1, 2, 3, 5], render, OTHER)
    assert render.asked == [[3, 5]]
    assert page == "".join(card(item, OTHER) for item in (1, 2, 3, 5))
    assert "reader-one" not in page


def test_a_card_held_by_kept_is_not_rendered_again() -> None:
    cache = LRUCache(100)
    Cards(cache, "c", key).all_at_once([7], Renders(TOKEN), TOKEN)
    cards = Cards(cache, "c", key)
    assert cards.kept(7) and not cards.kept(8)
    cache.clear()  # dropped meanwhile: the page still has the card it found
    render = Renders(OTHER)
    assert cards.all_at_once([7, 8], render, OTHER) == card(7, OTHER) + card(8, OTHER)
    assert render.asked == [[8]]


def test_a_render_that_does_not_make_one_card_per_item_fails() -> None:
    def short(items: list[int], between: str) -> str:
        return "".join(card(item, "") + between for item in items[1:])

    with pytest.raises(ValueError, match="2 cards asked for, 1 rendered"):
        Cards(LRUCache(100), "c", key).all_at_once([1, 2], short)


def test_the_post_cards_macro_makes_each_post_card_followed_by_between() -> None:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from community.communities.models import card_fields
    from community.web import build_environment

    def post(id_: int, author_id: int, **changes: object) -> SimpleNamespace:
        return with_card_fields(SimpleNamespace(**{
            "id": id_, "thread_id": 7, "author_id": author_id, "status": "published",
            "version": 1, "edited_at": None, "helpful_count": id_, "hugs_count": 0,
            "screen_labels": [], "author_username": f"name{author_id}", "author_deleted_at": None,
            "author_is_clinician": author_id == 3, "body_markup": Markup(f"<p>post {id_}</p>"),
            "created_at": datetime(2026, 11, 21, 5, id_, tzinfo=UTC), **changes}))

    def with_card_fields(post: SimpleNamespace) -> SimpleNamespace:
        post.card_fields = card_fields(post)  # as a Post or a PostCard gives them
        return post

    posts = [post(1, 2), post(2, 9), post(3, 3, status="pending", screen_labels=["identifying"]),
             post(4, 2, author_deleted_at=datetime(2026, 1, 1, tzinfo=UTC))]
    values = {"current_user": SimpleNamespace(id=9, is_staff=False), "csrf_input": TOKEN,
              "reacted": {(1, "helpful")}, "can_reply": True, "posts": posts,
              "moderation_notice": lambda *args: ""}
    env = build_environment()
    head = '{% import "communities/_post.html" as p with context %}'
    at_once = env.from_string(head + '{{ p.post_cards(posts, "|") }}').render(values)
    one_by_one = env.from_string(
        head + '{% for post in posts %}{{ p.post_card(post) }}|{% endfor %}').render(values)
    assert at_once.count("|") == 4
    assert at_once == one_by_one
