"""Text preparation shared by the detectors: folding, sentences, context markers."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from .gate import IndexedText

# Same-length replacements only, so a match in the folded text is a span of the original.
_FOLD = str.maketrans(
    {
        "ё": "е",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": " ",
        "\u200c": " ",
        "\u200d": " ",
        "\t": " ",
        "–": "-",
        "—": "-",
    }
)

# A full stop ends a sentence only before a space, so "8.2" and "nih.gov" stay whole.
_SENTENCE_END = re.compile(r"\s*\n\s*|[.!?;]+(?:\s+|$)|\s+-\s+|\)\s+")
_CYRILLIC = re.compile(r"[а-яА-ЯёЁ]")
_DIGIT = re.compile(r"\d")


def fold(text: str) -> str:
    """Lowercase and unify quotes, dashes and spaces without changing the length."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few letters (e.g. "İ") lower to two characters; keep those as they are.
        lowered = "".join(ch if len(low := ch.lower()) != 1 else low for ch in text)
    return lowered.translate(_FOLD)


@dataclass(frozen=True)
class Post:
    """One piece of text to screen, with the facts every detector needs."""

    text: str
    author_role: str = "patient"
    venue: str = "discussion"

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def indexed(self) -> IndexedText:
        """The folded text indexed for the detectors' literal gates."""
        return IndexedText(self.folded)

    @cached_property
    def original(self) -> str:
        """The text with quotes and spaces unified but case kept (names need case)."""
        return self.text.translate(_FOLD)

    @cached_property
    def has_cyrillic(self) -> bool:
        return _CYRILLIC.search(self.text) is not None

    @cached_property
    def has_digits(self) -> bool:
        return _DIGIT.search(self.text) is not None

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """Sentence boundaries as (start, end) offsets."""
        bounds: list[tuple[int, int]] = []
        start = 0
        for match in _SENTENCE_END.finditer(self.folded):
            if match.start() > start:
                bounds.append((start, match.start()))
            start = match.end()
        if start < len(self.folded):
            bounds.append((start, len(self.folded)))
        return tuple(bounds) or ((0, 0),)

    @cached_property
    def _sentence_starts(self) -> list[int]:
        return [start for start, _ in self.sentences]

    def sentence_bounds(self, offset: int) -> tuple[int, int]:
        """The (start, end) of the sentence around offset; separators belong to the one before."""
        index = max(bisect_right(self._sentence_starts, offset) - 1, 0)
        return self.sentences[index]

    def sentence_at(self, offset: int) -> str:
        """The folded sentence that contains offset."""
        start, end = self.sentence_bounds(offset)
        return self.folded[start:end]
