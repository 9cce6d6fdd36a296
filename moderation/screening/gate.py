"""Literal prefilters: skip a regex when none of the words it cannot match without is present.

The required words come from a small reader of the regex syntax the detectors use (literals,
escapes, classes, groups, alternation, quantifiers, look-arounds). It only has to be
conservative: whatever it does not understand counts as "no literal required here", which
never skips a regex that could match; it only makes a gate weaker.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Checking more alternatives than this costs about as much as running the regex.
_MAX_FACTORS = 48
_QUANTIFIER = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_LITERAL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_CLASS_ESCAPES = frozenset("dDsSwWbBAZ")


@dataclass(frozen=True)
class _Node:
    """One atom: a literal character, a group of alternatives, or anything else ("other");
    `at_least` is its quantifier's minimum (1 without a quantifier)."""

    kind: str
    char: str = ""
    branches: tuple[tuple[_Node, ...], ...] = ()
    at_least: int = 1


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.at = 0

    def peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.pattern[index] if index < len(self.pattern) else ""

    def alternatives(self) -> tuple[tuple[_Node, ...], ...]:
        """Branches up to the closing parenthesis of the current group (or the end)."""
        branches: list[tuple[_Node, ...]] = []
        sequence: list[_Node] = []
        while self.at < len(self.pattern) and self.peek() != ")":
            if self.peek() == "|":
                self.at += 1
                branches.append(tuple(sequence))
                sequence = []
                continue
            node = self.atom()
            if node is not None:
                sequence.append(self.quantified(node))
        branches.append(tuple(sequence))
        return tuple(branches)

    def quantified(self, node: _Node) -> _Node:
        symbol = self.peek()
        at_least: int | None = None
        if symbol in ("?", "*"):
            at_least, self.at = 0, self.at + 1
        elif symbol == "+":
            at_least, self.at = 1, self.at + 1
        elif symbol == "{" and (match := _QUANTIFIER.match(self.pattern, self.at)):
            at_least, self.at = int(match.group(1) or 0), match.end()
        if at_least is None:
            return node
        if self.peek() in ("?", "+"):  # lazy or possessive
            self.at += 1
        # A repeated atom is its own item: a literal no longer joins its neighbours.
        return _Node("group", branches=((_Node(node.kind, node.char, node.branches),),),
                     at_least=at_least)

    def atom(self) -> _Node | None:
        symbol = self.peek()
        self.at += 1
        if symbol == "\\":
            return self.escape()
        if symbol == "[":
            self.skip_class()
            return _Node("other")
        if symbol == "(":
            return self.group()
        if symbol in ".^$":
            return _Node("other")
        return _Node("literal", symbol)

    def escape(self) -> _Node:
        symbol = self.peek()
        self.at += 1
        if symbol in _CLASS_ESCAPES or symbol.isdigit() or symbol in ("x", "u", "U", "N", ""):
            if symbol in ("x", "u", "U", "N"):
                self.skip_code(symbol)
            return _Node("other")
        return _Node("literal", _LITERAL_ESCAPES.get(symbol, symbol))

    def skip_code(self, symbol: str) -> None:
        if symbol == "N" and self.peek() == "{":
            self.at = self.pattern.index("}", self.at) + 1
        else:
            self.at += {"x": 2, "u": 4, "U": 8}.get(symbol, 0)

    def skip_class(self) -> None:
        if self.peek() == "^":
            self.at += 1
        if self.peek() == "]":
            self.at += 1
        while self.at < len(self.pattern) and self.peek() != "]":
            self.at += 2 if self.peek() == "\\" else 1
        self.at += 1

    def group(self) -> _Node | None:
        kind = "group"
        if self.peek() == "?":
            marker = self.peek(1)
            if marker == "#":
                self.at = self.pattern.index(")", self.at) + 1
                return None
            if marker == "P" and self.peek(2) == "=":
                self.at = self.pattern.index(")", self.at) + 1
                return _Node("other")
            if marker == "P" and self.peek(2) == "<":
                self.at = self.pattern.index(">", self.at) + 1
            elif marker in (":", ">"):
                self.at += 2
            elif marker in ("=", "!") or (marker == "<" and self.peek(2) in ("=", "!")):
                self.at += 2 if marker != "<" else 3
                kind = "other"  # a look-around matches no text of its own
            else:  # inline flags, alone "(?i)" or scoped "(?i:...)"
                flags = re.compile(r"\?[aiLmsux-]*").match(self.pattern, self.at)
                self.at = flags.end() if flags else self.at + 1
                if self.peek() == ")":
                    self.at += 1
                    return None
                self.at += 1  # the ":" of a scoped flag group
        branches = self.alternatives()
        self.at += 1  # ")"
        return _Node(kind, branches=branches) if kind == "group" else _Node("other")


def _quality(factors: frozenset[str]) -> tuple[int, int]:
    return min(min(len(f) for f in factors), 4), -len(factors)


def _required(sequence: tuple[_Node, ...]) -> frozenset[str] | None:
    """Strings of which every match contains at least one, or None when nothing is required."""
    candidates: list[frozenset[str]] = []
    run = ""
    for node in sequence:
        if node.kind == "literal" and node.at_least == 1:
            run += node.char
            continue
        if run:
            candidates.append(frozenset({run}))
            run = ""
        found: frozenset[str] | None = None
        if node.kind == "group" and node.at_least >= 1:
            found = _required_of_branches(node.branches)
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({run}))
    usable = [c for c in candidates if len(c) <= _MAX_FACTORS]
    return max(usable, key=_quality) if usable else None


def _required_of_branches(branches: tuple[tuple[_Node, ...], ...]) -> frozenset[str] | None:
    found = [_required(branch) for branch in branches]
    if any(branch is None for branch in found):
        return None
    return frozenset().union(*(branch for branch in found if branch is not None))


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of `pattern` contains at least one (None: no gate)."""
    return _required_of_branches(_Reader(pattern).alternatives())


# Every gated pattern ever compiled, so a test can check each gate against the corpus.
COMPILED: list[GatedPattern] = []


class IndexedText:
    """A text with its characters and its three-character substrings, collected once so
    that each of the ~200 gates run over it is first one set test (`GatedPattern.keys`)."""

    __slots__ = ("pieces", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pieces = set(text)
        self.pieces.update([text[i : i + 3] for i in range(len(text) - 2)])


def _key(literal: str) -> str:
    """What must be among an `IndexedText`'s pieces wherever the literal occurs: its first
    three characters, or its first character when it is shorter."""
    return literal[:3] if len(literal) >= 3 else literal[:1]


class GatedPattern:
    """A compiled regex that is only run when the text contains one of its required literals."""

    __slots__ = ("factors", "keys", "pattern", "regex")
    factors: tuple[str, ...] | None
    keys: frozenset[str] | None

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.pattern = pattern
        required = required_literals(pattern)
        # Longest first: a long literal is the rarest, so the usual miss is found early.
        self.factors = tuple(sorted(required, key=len, reverse=True)) if required else None
        # No literal occurs where its key does not, so keys absent from an IndexedText's
        # pieces skip the pattern exactly when the literals would (an empty literal, found
        # in any text, would have no key: then there is no quick test).
        self.keys = (frozenset(map(_key, self.factors))
                     if self.factors is not None and all(self.factors) else None)
        COMPILED.append(self)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.factors is not None and not any(map(text.__contains__, self.factors)):
            return iter(())
        return self.regex.finditer(text)

    def search(self, text: str) -> re.Match[str] | None:
        if self.factors is not None and not any(map(text.__contains__, self.factors)):
            return None
        return self.regex.search(text)


def runnable(patterns: tuple[GatedPattern, ...], text: IndexedText) -> list[GatedPattern]:
    """The patterns, in order, whose gates let them run on the text (as `finditer` decides:
    one of the literals is in it), the keys tested first; for a whole group in one
    comprehension rather than a call per pattern."""
    pieces, searched = text.pieces, text.text
    return [
        p for p in patterns
        if (p.keys is None or not p.keys.isdisjoint(pieces))
        and (p.factors is None or any(map(searched.__contains__, p.factors)))
    ]


def gated(patterns: list[str]) -> tuple[GatedPattern, ...]:
    """Compile patterns that run on folded (lowercase) text, each behind its literal gate."""
    return tuple(GatedPattern(p) for p in patterns)
