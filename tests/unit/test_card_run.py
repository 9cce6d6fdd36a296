"""A page's cards kept as one run (`Cards(run=...)`, `run_kept`, community.cards): found by
one lookup, given whole without keying or rendering any card, each reader with their own
token; never kept when a card of the page is the reader's alone."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from markupsafe import Markup, escape

from community.cache import LRUCache
from community.cards import Cards

TOKEN = Markup('<input type="hidden" name="_csrf_token" value="reader-one">')
OTHER = Markup('<input type="hidden" name="_csrf_token" value="reader-two">')


class Keys:
    """A card key (None for multiples of 5: that card is the reader's alone), counted."""

    def __init__(self) -> None:
        self.asked = 0

    def __call__(self, item: int) -> Hashable | None:
        self.asked += 1
        return None if item % 5 == 0 else ("item", item)


def render(token: str) -> Callable[[list[int], str], str]:
    def cards(items: list[int], between: str) -> str:
        return "".join(f'<li id="c{item}">{escape(str(item))}<form>{token}</form></li>{between}'
                       for item in items)
    return cards


def test_a_kept_run_is_given_whole_with_each_readers_token() -> None:
    cache = LRUCache(100)
    first = Cards(cache, "c", Keys(), run=("page", 1))
    assert not first.run_kept()
    page = first.all_at_once([1, 2, 3], render(TOKEN), TOKEN)
    assert not any("reader-one" in str(text) for text in cache._entries.values())

    keys = Keys()
    later = Cards(cache, "c", keys, run=("page", 1))
    assert later.run_kept()

    def no_render(items: list[int], between: str) -> str:
        raise AssertionError("a kept run renders nothing")

    # The items need not be loaded: the run is the page's whatever they are.
    again = later.all_at_once([], no_render, OTHER)
    assert keys.asked == 0
    assert again == str(page).replace("reader-one", "reader-two")
    # Each card is also kept on its own (another page may show it).
    assert Cards(cache, "c", Keys()).kept(2)


def test_no_run_is_kept_for_a_page_with_a_card_of_the_readers_alone() -> None:
    cache = LRUCache(100)
    Cards(cache, "c", Keys(), run=("page", 2)).all_at_once(
        [1, 5], render(TOKEN), TOKEN)
    assert not Cards(cache, "c", Keys(), run=("page", 2)).run_kept()
    assert not any("reader-one" in str(text) for text in cache._entries.values())


def test_without_a_run_key_nothing_is_kept_as_a_run() -> None:
    cache = LRUCache(100)
    cards = Cards(cache, "c", Keys())
    cards.all_at_once([1, 2], render(TOKEN), TOKEN)
    assert not cards.run_kept()
    assert len(cache) == 2  # the two cards, no run
