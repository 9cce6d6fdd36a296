"""Literal prefilters: skip a regex when none of the words it cannot match without is present."""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

# Checking more alternatives than this costs about as much as running the regex.
_MAX_FACTORS = 48


def _quality(factors: frozenset[str]) -> tuple[int, int]:
    return min(min(len(f) for f in factors), 4), -len(factors)


def _required(items: Any) -> frozenset[str] | None:
    """Strings of which every match contains at least one, or None when nothing is required."""
    candidates: list[frozenset[str]] = []
    run = ""
    for op, arg in items:
        if op is sre.LITERAL:
            run += chr(arg)
            continue
        if run:
            candidates.append(frozenset({run}))
            run = ""
        found: frozenset[str] | None = None
        if op is sre.SUBPATTERN:
            found = _required(arg[3])
        elif op is sre.BRANCH:
            branches = [_required(branch) for branch in arg[1]]
            if all(branch is not None for branch in branches):
                found = frozenset().union(*(b for b in branches if b is not None))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            found = _required(arg[2])
        elif op is sre.ATOMIC_GROUP:
            found = _required(arg)
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset({run}))
    usable = [c for c in candidates if len(c) <= _MAX_FACTORS]
    return max(usable, key=_quality) if usable else None


class GatedPattern:
    """A compiled regex that is only run when the text contains one of its required literals."""

    __slots__ = ("factors", "pattern", "regex")
    factors: tuple[str, ...] | None

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        self.pattern = pattern
        required = _required(sre_parse.parse(pattern))
        # Longest first: a long literal is the rarest, so the usual miss is found early.
        self.factors = tuple(sorted(required, key=len, reverse=True)) if required else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.factors is not None and not any(map(text.__contains__, self.factors)):
            return iter(())
        return self.regex.finditer(text)

    def search(self, text: str) -> re.Match[str] | None:
        if self.factors is not None and not any(map(text.__contains__, self.factors)):
            return None
        return self.regex.search(text)


def gated(patterns: list[str]) -> tuple[GatedPattern, ...]:
    """Compile patterns that run on folded (lowercase) text, each behind its literal gate."""
    return tuple(GatedPattern(p) for p in patterns)
