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
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from markupsafe import Markup

from community.cache import LRUCache

Item = TypeVar("Item")

# Random per process, so no posted text can contain it.
_TOKEN_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
# Follows each card `Cards.all_at_once` asks its render for; random per process, as above.
_CARD_END = f"card-end-{secrets.token_hex(16)}"
_TOKEN_PLACEHOLDER_UTF8 = _TOKEN_PLACEHOLDER.encode()

# Where a text kept as UTF-8 stands in a page's part while `as_utf8` renders it (random per
# process, as above), and the texts given so, in order.
_UTF8_MARK = f"utf8-{secrets.token_hex(16)}"
_UTF8_MARKUP = Markup(_UTF8_MARK)  # noqa: S704 (a mark, replaced by as_utf8)
_utf8_parts: ContextVar[list[bytes] | None] = ContextVar("utf8_parts", default=None)


def as_utf8(render: Callable[[Any], Iterable[str]], context: Any) -> bytes:
    """The text `render(context)` makes (a template's block), as UTF-8: the texts given as
    UTF-8 while it renders (`Cards(utf8=True)`) are put in as they are kept, so only the rest
    is encoded (a page's kept cards are most of it, and encoding Cyrillic text costs per
    character)."""
    given: list[bytes] = []
    reset = _utf8_parts.set(given)
    try:
        text = "".join(render(context))
    finally:
        _utf8_parts.reset(reset)
    if not given:
        return text.encode()
    pieces = text.split(_UTF8_MARK)
    if len(pieces) != len(given) + 1:
        raise ValueError(f"{len(given)} texts given as UTF-8, {len(pieces) - 1} placed")
    parts = [pieces[0].encode()]
    for utf8, piece in zip(given, pieces[1:], strict=True):
        parts += (utf8, piece.encode())
    return b"".join(parts)


def _given_utf8(utf8: bytes) -> Markup:
    """`utf8` in a template's text: a mark `as_utf8` replaces with it, when it renders the
    template; else the text itself."""
    given = _utf8_parts.get()
    if given is None:
        return Markup(utf8.decode())  # noqa: S704 (rendered by an autoescaping template)
    given.append(utf8)
    return _UTF8_MARKUP


class Cards(Generic[Item]):
    """Called from a template with an item and the macro that renders it."""

    def __init__(self, cache: LRUCache, kind: str,
                 key_of: Callable[[Item], Hashable | None], *,
                 run: Hashable | None = None,
                 same: Callable[[Item], Hashable] | None = None,
                 utf8: bool = False) -> None:
        """`run`: a key holding everything the key of every card of the page holds (None:
        the page may show a card that is never kept); the page's cards are then also kept
        as one run under it (`run_kept`). `same`: items with the same `same(item)` have the
        same key on this page (a post's facts and its card), so `kept` and `all_at_once`
        work it out and look it up once. `utf8`: `all_at_once`'s cards are kept as UTF-8
        and given so to `as_utf8` (a page's part rendered by it sends them unencoded)."""
        self._cache = cache
        self._kind = kind
        self._key_of = key_of
        self._run_key = None if run is None else (f"{kind}-run", run)
        self._same = same
        self._utf8 = utf8
        # The kept run's cards, found by `run_kept`: the whole page's, in order.
        self._run: tuple[Any, ...] | None = None
        # By `same`: each card's key as `kept` made it, and whether it was found.
        self._keys: dict[Hashable, tuple[Hashable | None, bool]] = {}
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
            if self._same is not None:
                self._keys[self._same(item)] = (None, False)
            return False
        key = (self._kind, own_key)
        html: str | None = self._cache.get(key)
        if self._same is not None:
            self._keys[self._same(item)] = (key, html is not None)
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
            return self._joined(self._run, token)
        parts: list[Any] = []
        afresh: list[tuple[int, Item, Hashable | None]] = []
        keyless = False  # a card of this reader's alone: the page is kept as no run
        for item in items:
            held = self._held_items.get(id(item))
            if held is not None and held[0] is item:
                parts.append(held[1])
                continue
            known = None if self._same is None else self._keys.get(self._same(item))
            key: Hashable | None
            if known is not None and not known[1]:
                key, kept = known[0], None  # `kept` found it missing: render it
            else:
                own_key = self._key_of(item)
                key = None if own_key is None else (self._kind, own_key)
                kept = None if key is None else self._held.get(key) or self._cache.get(key)
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
                    # Afresh, with the reader's own token, kept nowhere.
                    parts[at] = html.replace(token, _TOKEN_PLACEHOLDER) if token else html
                    if self._utf8:
                        parts[at] = parts[at].encode()
                    keyless = True
                    continue
                kept = html.replace(token, _TOKEN_PLACEHOLDER) if token else html
                if self._utf8:
                    kept = kept.encode()
                self._cache.put(card_key, kept)
                parts[at] = kept
        if self._run_key is not None and not keyless:
            # The cards' own texts, shared with their entries: a run costs a pointer a card.
            self._cache.put(self._run_key, tuple(parts))
        return self._joined(parts, token)

    def _joined(self, parts: Iterable[Any], token: str) -> Markup:
        """The cards, kept with the placeholder for the token, joined with this reader's."""
        if not self._utf8:
            return self._with_token("".join(parts), token)
        utf8 = b"".join(parts)
        if token:
            utf8 = utf8.replace(_TOKEN_PLACEHOLDER_UTF8, token.encode())
        return _given_utf8(utf8)

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
