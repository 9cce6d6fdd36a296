"""The literal gates in front of the detectors' regexes (moderation/screening/gate.py) never
hide a match: on every corpus text, a pattern that matches contains one of its literals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import moderation.screening.pipeline  # noqa: F401 - builds every detector's patterns
from moderation.screening.gate import COMPILED, required_literals
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
