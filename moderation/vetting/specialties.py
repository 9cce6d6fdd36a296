"""Which conditions a clinician's specialty covers, so questions reach the right clinicians.

A clinician writes their specialty in their own words ("Rheumatology", "Medicines optimisation
in diabetes and heart failure", "Эндокринология"). Each rule below names the word stems that
say a specialty and the conditions (community `condition_slug`s) it covers; a specialty covers
the union of every rule it mentions. General practice covers every condition (`ALL`); a
specialty no rule recognises covers none, and the caller falls back to the clinician's own
communities.
"""

from __future__ import annotations

import re
from functools import lru_cache

ALL = frozenset({"*"})

NEUROLOGY = ("als", "multiple-sclerosis", "parkinsons-disease", "epilepsy", "migraine")
PSYCHIATRY = ("major-depressive-disorder", "bipolar-disorder")

# (word stems, English and Russian; conditions covered)
RULES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("general practi", "family medicine", "family physician", "primary care",
      "general internal medicine", "internal medicine", "general medicine",
      "общая практика", "семейн", "терапевт"), ("*",)),
    (("endocrin", "diabet", "эндокрин", "диабет"), ("type-2-diabetes",)),
    (("rheumat", "ревмат"), ("rheumatoid-arthritis", "lupus", "fibromyalgia")),
    (("lupus", "волчан"), ("lupus",)),
    (("fibromyalg", "фибромиалг", "pain medicine", "алголог"), ("fibromyalgia",)),
    (("neurolog", "неврол", "невропатол"), NEUROLOGY),
    (("epilep", "эпилеп"), ("epilepsy",)),
    (("multiple sclerosis", "рассеянн"), ("multiple-sclerosis",)),
    (("parkinson", "movement disorder", "паркинсон"), ("parkinsons-disease",)),
    (("motor neuron", "als", "бас"), ("als",)),
    (("headache", "migraine", "мигрен", "головн"), ("migraine",)),
    (("psychiat", "mental health", "psychotherap", "психиатр", "психотерап"), PSYCHIATRY),
    (("depress", "депресс"), ("major-depressive-disorder",)),
    (("bipolar", "биполяр"), ("bipolar-disorder",)),
    (("infectious", "hiv", "инфекц", "вич"), ("hiv",)),
    (("gastroenter", "crohn", "inflammatory bowel", "ibd", "гастроэнтер", "крона"),
     ("crohns-disease",)),
    (("pulmon", "respirat", "chest medicine", "copd", "пульмон", "хобл"), ("copd",)),
    (("cardio", "heart", "кардио", "сердечн"), ("heart-failure",)),
    (("oncolog", "cancer", "breast", "онколог", "маммолог", "рак"), ("breast-cancer",)),
)


def _stem(word: str) -> re.Pattern[str]:
    # A stem matches at the start of a word; short stems ("als", "hiv") must be whole words.
    ending = r"\b" if len(word) <= 4 else ""
    return re.compile(rf"(?<!\w){re.escape(word)}{ending}", re.IGNORECASE)


_PATTERNS = tuple((tuple(_stem(word) for word in words), frozenset(slugs))
                  for words, slugs in RULES)


@lru_cache(maxsize=1024)
def conditions_of_specialty(specialty: str) -> frozenset[str]:
    """The condition slugs a specialty covers: `ALL`, some, or none (unrecognised)."""
    covered: set[str] = set()
    for patterns, slugs in _PATTERNS:
        if any(pattern.search(specialty) for pattern in patterns):
            if slugs == ALL:
                return ALL
            covered |= slugs
    return frozenset(covered)
