"""The literal gates in front of the detectors' regexes (moderation/screening/gate.py) never
hide a match: on every corpus text, a pattern that matches contains one of its literals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import moderation.screening.pipeline  # noqa: F401 - builds every detector's patterns
from moderation.screening import gate
from moderation.screening.gate import (
    COMPILED,
    GatedPattern,
    IndexedText,
    required_literals,
    runnable,
)
from moderation.screening.text import fold

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\bhello\b", {"hello"}),
    (r"(?:shall|should)\s+i", {"shall", "should"}),
    (r"colou?r", {"colo"}),
    (r"(?:abc)?def", {"def"}),
    (r"ab+c", {"a", "b", "c"}),
    (r"[a-z]+\d", None),
    (r"x|[ab]", None),
    (r"(?<!no )(?P<w>pills?)\s+lined", {"pill", "lined"}),
    (r"(?i)\(at\)|\[at\]", {"(at)", "[at]"}),
    (r"a{0,3}bcd", {"bcd"}),
    (r"a{2,3}b", {"a", "b"}),
    (r"\u0436\w+ать", {"ать"}),
])
def test_required_literals(pattern: str, expected: set[str] | None) -> None:
    found = required_literals(pattern)
    if expected is None:
        assert found is None
    else:
        # Every string returned is one of the pattern's required literals.
        assert found and set(found) <= expected, found


def test_no_gate_hides_a_match_on_any_corpus_text() -> None:
    patterns = list(COMPILED)
    assert len(patterns) > 100
    texts = [fold(json.loads(line)["text"]) for name in sorted(DATA.glob("*.jsonl"))
             for line in name.read_text(encoding="utf-8").splitlines() if line.strip()]
    for gated_pattern in patterns:
        if gated_pattern.factors is None:
            continue
        for text in texts:
            if gated_pattern.regex.search(text):
                assert any(f in text for f in gated_pattern.factors), (
                    gated_pattern.pattern, text)


def _training_texts() -> list[str]:
    """The folded training and regression texts (never an evaluation set)."""
    paths = [DATA / "regression.jsonl", DATA / "tune.jsonl",
             *sorted((DATA / "corpus").glob("b*.jsonl"))]
    return [fold(json.loads(line)["text"]) for path in paths
            for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_indexed_gate_decides_as_the_literals_do() -> None:
    # The quick test (a literal's first three characters among the text's pieces) only
    # skips what the literals themselves would skip, so every verdict stays the same.
    texts = [*_training_texts(), "", "a", "ab", "i", "dr. x", "без", "mg"]
    patterns = [p for p in COMPILED if p.factors is not None]
    skipped_by_key = 0
    for text in texts:
        indexed = IndexedText(text)
        for pattern in patterns:
            literal = any(factor in text for factor in pattern.factors or ())
            assert (runnable((pattern,), indexed) == [pattern]) is literal, (pattern.pattern, text)
            skipped_by_key += pattern.keys is not None and pattern.keys.isdisjoint(
                indexed.pieces)
        assert runnable(tuple(COMPILED), indexed) == [
            p for p in COMPILED if p.factors is None or any(f in text for f in p.factors)]
    # The quick test does most of the skipping.
    assert skipped_by_key > len(texts) * len(patterns) // 2


def test_an_empty_literal_has_no_quick_test(monkeypatch: pytest.MonkeyPatch) -> None:
    # "" is in every text but among no text's pieces: such a gate must not be keyed.
    monkeypatch.setattr(gate, "required_literals", lambda pattern: frozenset({"", "zz"}))
    pattern = GatedPattern(r"a?")
    COMPILED.remove(pattern)
    assert pattern.keys is None
    assert runnable((pattern,), IndexedText("abc")) == [pattern]
