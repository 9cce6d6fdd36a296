"""A page's cards kept as one run (`Cards(run=...)`, `run_kept`, community.cards): found by
one lookup, given whole without keying or rendering any card, each reader with their own
token; never kept when a card of the page is the reader's alone."""

from __future__ import annotations

from collections.abc import Callable, Hashable

from markupsafe import Markup, escape

from community.cache import LRUCache
from community.cards import Cards, as_utf8
from community.i18n import current_locale

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


def test_cards_kept_as_utf8_are_given_as_kept_to_as_utf8_with_each_readers_token() -> None:
    cache = LRUCache(100)
    first = Cards(cache, "c", Keys(), run=("page", 3), utf8=True)
    outside = first.all_at_once([1, 2, 5], render(TOKEN), TOKEN)
    # Outside `as_utf8` the cards are text, as without `utf8`.
    assert outside == render(TOKEN)([1, 2, 5], "")
    # What is kept is UTF-8 without the reader's token; the keyless card is kept nowhere.
    cards = [value for key, value in cache._entries.items() if key[1][0] == "c"]
    assert len(cards) == 2 and all(isinstance(card, bytes) for card in cards)
    assert not any(b"reader-one" in card for card in cards)

    cache = LRUCache(100)
    Cards(cache, "c", Keys(), run=("page", 4), utf8=True).all_at_once(
        [1, 2, 3], render("Привет"), TOKEN)
    later = Cards(cache, "c", Keys(), run=("page", 4), utf8=True)
    assert later.run_kept()
    run = cache.get(("c-run", ("page", 4)))
    assert all(isinstance(card, bytes) for card in run)
    page = as_utf8(lambda _context: [f"<ul>{later.all_at_once([], render(OTHER), OTHER)}</ul>"],
                   None)
    assert page == f"<ul>{render('Привет')([1, 2, 3], '')}</ul>".encode()
    # Two parts given as UTF-8 in one page, each in its place.
    cards = Cards(cache, "c", Keys(), utf8=True)
    both = as_utf8(lambda _context: (cards.all_at_once([item], render(OTHER), OTHER) + "—"
                                     for item in (1, 2)), None)
    assert both.decode() == f"{render('Привет')([1], '')}—{render('Привет')([2], '')}—"


def test_a_card_kept_asked_about_is_keyed_and_looked_up_once() -> None:
    cache = LRUCache(100)
    Cards(cache, "c", Keys()).all_at_once([1, 2], render(TOKEN), TOKEN)
    keys = Keys()
    cards = Cards(cache, "c", keys, same=abs)
    lookups: list[object] = []
    get = cache.get
    cache.get = lambda key: lookups.append(key) or get(key)  # type: ignore[method-assign]
    # The page asks about each item (as the thread page does of its posts' facts), then
    # renders the kept items and stand-ins for the others (the posts' cards, made by
    # `with_texts`): 1 and 2 kept, 3 not, 5 keyless.
    assert [cards.kept(item) for item in (1, 2, 3, 5)] == [True, True, False, False]
    assert keys.asked == 4 and len(lookups) == 3
    page = cards.all_at_once([1, 2, -3, -5], render(OTHER), OTHER)
    assert keys.asked == 4 and len(lookups) == 3
    assert 'id="c-3"' in page and 'id="c-5"' in page and 'id="c1"' in page
    # The stand-in's card is kept under the key its item was asked about with.
    assert 'id="c-3"' in cache._entries[(current_locale(), ("c", ("item", 3)))]
