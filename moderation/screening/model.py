"""The trained layer: per-label linear models over hashed character and word n-grams.

`model.npz` (built by `python -m moderation.screening.train`) holds, per label, only the
non-zero coefficients (feature index, weight), the intercept and the decision thresholds;
no pickle. Features come from scikit-learn's stateless HashingVectorizer, so training and
inference hash text identically; counts may be log-scaled ("sublinear") before each block
is L2-normalised, and any per-feature scaling used in training (idf) is folded into the
stored weights. The file is loaded lazily, once, on first use.

A label fires when the model's probability reaches its threshold, or when the rules found it
and the probability reaches the label's (lower) rule threshold (0: the rule alone is
enough). `urgent` has a second, lower pair of thresholds for the *possible* tier.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).with_name("model.npz")
MODEL_LABELS = ("urgent", "advice_request", "clinician_advice", "promotion", "identifying")
# Labels whose rules are precise (telephone numbers, e-mail addresses, record numbers found by
# validators): a rule's finding always stands, and the model only adds what they miss
# (disguised or split details) with no span of its own.
RULES_STAND = frozenset({"identifying"})
CHAR_FEATURES = 2**18
# Words and word pairs are fewer but each weighs more: at 2**18 buckets "dr" and the Russian
# "стало" ("became") shared one, so a plain symptom diary read as naming a doctor.
WORD_FEATURES = 2**20
N_FEATURES = CHAR_FEATURES + WORD_FEATURES
# A threshold no probability reaches: that path never fires.
NEVER = 2.0
DEFAULT_VENUE = "discussion"


def model_input(text: str, author_role: str, venue: str) -> str:
    """The text the vectorizers see: role and venue as prefix tokens, then the text."""
    return f"zrole{author_role} zvenue{venue} {text}"


@lru_cache(maxsize=1)
def vectorizers() -> tuple[Any, Any]:
    """The two hashing vectorizers (stateless; the same objects for training and inference).
    They give raw counts; `featurize` scales and normalises each block."""
    from sklearn.feature_extraction.text import HashingVectorizer

    char = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        lowercase=True,
        norm=None,
        dtype=np.float64,
    )
    word = HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        n_features=WORD_FEATURES,
        alternate_sign=False,
        lowercase=True,
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regex, not a password)
        norm=None,
        dtype=np.float64,
    )
    return char, word


def _venue_of(model_text: str) -> str:
    """The venue token of a model input (its second word)."""
    return model_text.split(" ", 2)[1]


def word_grams(model_text: str, *, venue_words: bool) -> list[str]:
    """The word n-grams of a model input; with `venue_words`, outside discussions each word
    again as "<venue>|<word>", so a word can weigh differently in a profile or a message."""
    return _venue_crossed(_analyzers()[1](model_text), model_text, venue_words=venue_words)


def _venue_crossed(grams: list[str], model_text: str, *, venue_words: bool) -> list[str]:
    """The n-grams, then (with `venue_words`, outside discussions) each word as
    "<venue>|<word>"."""
    venue = _venue_of(model_text)
    if venue_words and venue != f"zvenue{DEFAULT_VENUE}":
        grams = grams + [f"{venue}|{gram}" for gram in grams if " " not in gram]
    return grams


def _scaled_block(counts: Any, sublinear: bool) -> Any:
    """Counts -> (1 + log count when sublinear), each row L2-normalised."""
    from sklearn.preprocessing import normalize

    counts = counts.tocsr().astype(np.float64)
    if sublinear:
        counts.data = 1.0 + np.log(counts.data)
    return normalize(counts, norm="l2", copy=False)


def featurize(texts: list[str], *, sublinear: bool = False, venue_words: bool = False) -> Any:
    """A sparse (n, N_FEATURES) CSR matrix: character n-grams, then word n-grams."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import HashingVectorizer

    char, word = vectorizers()
    if venue_words:
        word = HashingVectorizer(analyzer=lambda doc: word_grams(doc, venue_words=True),
                                 n_features=WORD_FEATURES, alternate_sign=False, norm=None,
                                 dtype=np.float64)
    return sp.hstack(
        [_scaled_block(char.transform(texts), sublinear),
         _scaled_block(word.transform(texts), sublinear)],
        format="csr",
    )


@lru_cache(maxsize=1)
def _analyzers() -> tuple[Any, Any]:
    """The vectorizers' n-gram analyzers, for one text without sparse matrices."""
    char, word = vectorizers()
    return char.build_analyzer(), word.build_analyzer()


# Words recur from text to text: the columns of a word's character n-grams are kept for the
# most recent ones. The columns are a function of the word alone, so what is kept can only
# ever give the columns a fresh computation would (no text's result depends on another's).
WORD_CACHE_SIZE = 2**14
# scikit-learn's own tokenizer for words (`token_pattern` of the word vectorizer).
_WORD_TOKEN = re.compile(r"(?u)\b\w+\b")


def _columns(grams: list[str], n_features: int) -> Any:
    """HashingVectorizer's column of each n-gram, by its own hashing loop (compiled): signed
    32-bit MurmurHash3 (seed 0) of the UTF-8 bytes, |h| modulo the width."""
    from sklearn.feature_extraction._hashing_fast import transform

    indices, _indptr, _values = transform([zip(grams, repeat(1))], n_features, np.float64,
                                          False, 0)
    return indices


def _padded_word_grams(padded: str) -> list[str]:
    """The character n-grams (2 to 5) of one space-padded word, as scikit-learn's `char_wb`
    analyzer cuts them: every slice of n characters while n is below the padded word's
    length; at the first n that reaches it, the whole padded word once, and nothing longer."""
    grams: list[str] = []
    length = len(padded)
    for n in range(2, 6):
        if length <= n:
            grams.append(padded)
            break
        grams.extend([padded[i : i + n] for i in range(length - n + 1)])
    return grams


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_char_columns(word: str) -> Any:
    """The character-block columns of one (lowercased) word's n-grams, read-only."""
    columns = _columns(_padded_word_grams(f" {word} "), CHAR_FEATURES)
    columns.flags.writeable = False
    return columns


def _char_columns(lowered: str) -> Any:
    """The columns of every character n-gram of a lowercased model input: its words split on
    whitespace (`char_wb` first folds runs of whitespace, which splits the same), each padded."""
    words = lowered.split()
    if not words:
        return np.zeros(0, dtype=np.int32)
    return np.concatenate([_word_char_columns(word) for word in words])


def _word_gram_list(model_text: str, lowered: str, *, venue_words: bool) -> list[str]:
    """`word_grams` without the analyzer's layers: the lowercased input's tokens, then each
    adjacent pair joined by a space."""
    tokens = _WORD_TOKEN.findall(lowered)
    grams = tokens + [f"{first} {second}" for first, second in pairwise(tokens)]
    return _venue_crossed(grams, model_text, venue_words=venue_words)


def _normalised(columns: Any, offset: int, sublinear: bool) -> tuple[Any, Any]:
    """Sorted distinct columns (shifted by the block's offset) and their counts, log-scaled
    when sublinear, L2-normalised."""
    if not len(columns):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    unique, counts = np.unique(columns, return_counts=True)
    values = counts.astype(np.float64)
    if sublinear:
        values = 1.0 + np.log(values)
    return unique.astype(np.int64) + offset, values / math.sqrt(float(values @ values))


def features_one(
    text: str, *, sublinear: bool = False, venue_words: bool = False
) -> tuple[Any, Any]:
    """(indices, values) of one model input; the columns and counts of a row of featurize()."""
    lowered = text.lower()
    ci, cv = _normalised(_char_columns(lowered), 0, sublinear)
    words = _word_gram_list(text, lowered, venue_words=venue_words)
    wi, wv = _normalised(_columns(words, WORD_FEATURES), CHAR_FEATURES, sublinear)
    return np.concatenate([ci, wi]), np.concatenate([cv, wv])


@dataclass(frozen=True, slots=True)
class Decision:
    """What the model concludes for one text: labels it asserts, and `urgent_possible`
    when crisis is possible but not likely."""

    labels: frozenset[str]
    urgent_possible: bool = False


class LinearModel:
    """Weights as one dense (N_FEATURES, labels) array built from the sparse file."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as data:
            labels = [str(label) for label in data["labels"]]
            self.labels = tuple(labels)
            self.sublinear = bool(data["sublinear"])
            self.venue_words = bool(data["venue_words"])
            # The file's weights are float16; kept so in memory (13 MB rather than 26).
            self.weights = np.zeros((N_FEATURES, len(labels)), dtype=np.float16)
            for column, label in enumerate(labels):
                kept = np.flatnonzero(np.unpackbits(data[f"{label}_mask"], count=N_FEATURES))
                self.weights[kept, column] = data[f"{label}_weight"]
            self.intercepts = data["intercepts"].astype(np.float64)
            self.thresholds = data["thresholds"].astype(np.float64)
            self.rule_thresholds = data["rule_thresholds"].astype(np.float64)
            self.possible_thresholds = data["possible_thresholds"].astype(np.float64)
            self.possible_rule_thresholds = data["possible_rule_thresholds"].astype(np.float64)

    def probabilities(self, text: str, author_role: str, venue: str) -> dict[str, float]:
        indices, values = features_one(model_input(text, author_role, venue),
                                       sublinear=self.sublinear, venue_words=self.venue_words)
        scores = values @ self.weights[indices] + self.intercepts
        return {
            label: 1.0 / (1.0 + math.exp(-float(score)))
            for label, score in zip(self.labels, scores, strict=True)
        }

    def decide(
        self, text: str, author_role: str, venue: str, rules: frozenset[str] = frozenset()
    ) -> Decision:
        """The labels this model asserts for the text, given what the rules found."""
        probs = self.probabilities(text, author_role, venue)
        found: set[str] = set()
        possible = False
        for n, label in enumerate(self.labels):
            p, ruled = probs[label], label in rules
            if p >= self.thresholds[n] or (ruled and p >= self.rule_thresholds[n]):
                found.add(label)
            elif p >= self.possible_thresholds[n] or (
                ruled and p >= self.possible_rule_thresholds[n]
            ):
                possible = possible or label == "urgent"
        return Decision(frozenset(found), possible)


_LOCK = threading.Lock()
_MODEL: list[LinearModel | None] = []


def load_model() -> LinearModel | None:
    """The shipped model, loaded once; None when the file or scikit-learn is missing."""
    if not _MODEL:
        with _LOCK:
            if not _MODEL:
                try:
                    _MODEL.append(LinearModel())
                except (OSError, ImportError, KeyError) as exc:
                    # Rules alone still screen; say loudly that recall is lower.
                    logging.getLogger(__name__).warning(
                        "screening model unavailable (%s); screening with rules only", exc
                    )
                    _MODEL.append(None)
    return _MODEL[0]
