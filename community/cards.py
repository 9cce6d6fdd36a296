"""Rendered cards (a post, a row of a list), reused while nothing a card shows has changed.

Pages that list many items spend most of their time rendering the same items for the next
reader. A card is kept in the process's fragment cache (community.cache) under a key the
page computes from everything the card shows: versions, counts, names as shown, and how the
viewer stands to the item. A key of None means "render afresh and keep nothing". The
reader's CSRF token may appear in a card's forms: it is kept as a placeholder and put back
for each reader, so no reader ever receives another's token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from markupsafe import Markup

from community.cache import LRUCache

Item = TypeVar("Item")

# Random per process, so no posted text can contain it.
_TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
# Follows each card `Cards.all_at_once` asks its render for; random per process, as above.
_CARD_END = f"card-end-{secrets.token_hex(16)}"


class Cards(Generic[Item]):
    """Called from a template with an item and the macro that renders it."""

    def __init__(self, cache: LRUCache, kind: str,
                 key_of: Callable[[Item], Hashable | None], *,
                 run: Hashable | None = None) -> None:
        """`run`: a key holding everything the key of every card of the page holds (None:
        the page may show a card that is never kept); the page's cards are then also kept
        as one run under it (`run_kept`)."""
        self._cache = cache
        self._kind = kind
        self._key_of = key_of
        self._run_key = None if run is None else (f"{kind}-run", run)
        # The kept run's cards, found by `run_kept`: the whole page's, in order.
        self._run: tuple[str, ...] | None = None
        # Cards found by `kept`, held for this page: the cache may drop them meanwhile. By
        # key, and by the item asked about (with the item, so its id stays its own).
        self._held: dict[Hashable, str] = {}
        self._held_items: dict[int, tuple[Any, str]] = {}

    def run_kept(self) -> bool:
        """Whether the page's cards are kept as one run (`run`): if so `all_at_once` gives
        them without keying, looking up or rendering any card, so the page need neither
        load its items nor work out their keys."""
        if self._run_key is None:
            return False
        self._run = self._cache.get(self._run_key)
        return self._run is not None

    def kept(self, item: Any) -> bool:
        """Whether the card of `item` is kept; if so it is held until the page renders it,
        so the page need not load what renders it (`item` may be a lighter stand-in with
        the fields the key reads)."""
        own_key = self._key_of(item)
        if own_key is None:
            return False
        key = (self._kind, own_key)
        html: str | None = self._cache.get(key)
        if html is not None:
            self._held[key] = html
            self._held_items[id(item)] = (item, html)
        return html is not None

    def __call__(self, item: Item, render: Callable[[Item], Any], csrf_input: str = "") -> Markup:
        """The card `render` makes for `item`, with this reader's `csrf_input` in its forms."""
        own_key = self._key_of(item)
        if own_key is None:
            return Markup(render(item))  # noqa: S704 (rendered by an autoescaping template)
        key = (self._kind, own_key)
        return kept_html(self._cache, key, lambda: render(item), csrf_input,
                         held=self._held.get(key))

    def all(self, items: Iterable[Item], render: Callable[[Item], Any],
            csrf_input: str = "") -> Markup:
        """The cards of `items`, one after the other, as `__call__` makes each: a card held
        by `kept` for this very item is not looked up again, and this reader's token is put
        back once in the whole text."""
        def render_each(afresh: list[Item], between: str) -> str:
            return "".join(f"{render(item)}{between}" for item in afresh)

        return self.all_at_once(items, render_each, csrf_input)

    def all_at_once(self, items: Iterable[Item], render_all: Callable[[list[Item], str], Any],
                    csrf_input: str = "") -> Markup:
        """What `all` makes, with every card that is not kept rendered by one call:
        `render_all(items, between)` renders the cards of `items`, each followed by
        `between` (a page's cold cards cost one macro call instead of one each). The run
        found by `run_kept` is given whole, whatever `items` are."""
        token = str(csrf_input)
        if self._run is not None:
            return self._with_token("".join(self._run), token)
        parts: list[str] = []
        afresh: list[tuple[int, Item, Hashable | None]] = []
        keyless = False  # a card of this reader's alone: the page is kept as no run
        for item in items:
            held = self._held_items.get(id(item))
            if held is not None and held[0] is item:
                parts.append(held[1])
                continue
            own_key = self._key_of(item)
            key: Hashable | None = None if own_key is None else (self._kind, own_key)
            kept: str | None = None if key is None else self._held.get(key) or self._cache.get(key)
            if kept is None:
                afresh.append((len(parts), item, key))
            parts.append(kept or "")
        if afresh:
            rendered = str(render_all([item for _at, item, _key in afresh], _CARD_END))
            cards = rendered.split(_CARD_END)
            if len(cards) != len(afresh) + 1:
                raise ValueError(f"{len(afresh)} cards asked for, {len(cards) - 1} rendered")
            for (at, _item, card_key), html in zip(afresh, cards, strict=False):
                if card_key is None:
                    parts[at] = html  # afresh, with the reader's own token, kept nowhere
                    keyless = True
                    continue
                kept = html.replace(token, _TOKEN_PLACEHOLDER) if token else html
                self._cache.put(card_key, kept)
                parts[at] = kept
        if self._run_key is not None and not keyless:
            # The cards' own texts, shared with their entries: a run costs a pointer a card.
            self._cache.put(self._run_key, tuple(parts))
        return self._with_token("".join(parts), token)

    @staticmethod
    def _with_token(html: str, token: str) -> Markup:
        """The cards' text with this reader's token where the placeholder keeps it."""
        return Markup(html.replace(_TOKEN_PLACEHOLDER, token) if token else html)  # noqa: S704


def _kept_text(cache: LRUCache, key: Hashable, render: Callable[[], Any], token: str,
               *, held: str | None = None) -> str:
    """What `render` makes, as kept under `key`: the reader's `token` is the placeholder."""
    kept: str | None = held or cache.get(key)
    if kept is None:
        html = str(render())
        kept = html.replace(token, _TOKEN_PLACEHOLDER) if token else html
        cache.put(key, kept)
    return kept


def kept_html(cache: LRUCache, key: Hashable, render: Callable[[], Any], csrf_input: str = "",
              *, held: str | None = None) -> Markup:
    """What `render` makes, kept under `key` (which must hold everything it shows), with this
    reader's `csrf_input` put back in its forms. `held`: the kept text, already taken."""
    token = str(csrf_input)
    kept = _kept_text(cache, key, render, token, held=held)
    if token:
        kept = kept.replace(_TOKEN_PLACEHOLDER, token)
    return Markup(kept)  # noqa: S704 (rendered by an autoescaping template)
