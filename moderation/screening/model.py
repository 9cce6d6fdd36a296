"""The trained layer: per-label linear models over hashed character and word n-grams.

`model.npz` (built by `python -m moderation.screening.train`) holds, per label, only the
non-zero coefficients (feature index, weight), the intercept and the decision threshold; no
pickle. Features come from scikit-learn's stateless HashingVectorizer, so training and
inference hash text identically. The file is loaded lazily, once, on first use.
"""

from __future__ import annotations

import logging
import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).with_name("model.npz")
MODEL_LABELS = ("urgent", "advice_request", "clinician_advice", "promotion")
CHAR_FEATURES = 2**18
WORD_FEATURES = 2**18
N_FEATURES = CHAR_FEATURES + WORD_FEATURES


def model_input(text: str, author_role: str, venue: str) -> str:
    """The text the vectorizers see: role and venue as prefix tokens, then the text."""
    return f"zrole{author_role} zvenue{venue} {text}"


@lru_cache(maxsize=1)
def vectorizers() -> tuple[Any, Any]:
    """The two hashing vectorizers (stateless; the same objects for training and inference)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    char = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        lowercase=True,
        norm="l2",
        dtype=np.float32,
    )
    word = HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        n_features=WORD_FEATURES,
        alternate_sign=False,
        lowercase=True,
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 (a regex, not a password)
        norm="l2",
        dtype=np.float32,
    )
    return char, word


def featurize(texts: list[str]) -> Any:
    """A sparse (n, N_FEATURES) CSR matrix: character n-grams, then word n-grams."""
    import scipy.sparse as sp

    char, word = vectorizers()
    return sp.hstack([char.transform(texts), word.transform(texts)], format="csr")


@lru_cache(maxsize=1)
def _analyzers() -> tuple[Any, Any]:
    """The vectorizers' n-gram analyzers, for one text without sparse matrices."""
    char, word = vectorizers()
    return char.build_analyzer(), word.build_analyzer()


def _bucket(gram: str, n_features: int, murmurhash: Any) -> int:
    """HashingVectorizer's column for one n-gram: signed 32-bit MurmurHash3 (seed 0) of its
    UTF-8 bytes, |h| modulo the width, with |-2**31| taken as 2**31 (scikit-learn's rule)."""
    h = murmurhash(gram, seed=0)
    return (2**31 - n_features) % n_features if h == -(2**31) else abs(h) % n_features


def _hash_one(grams: list[str], n_features: int, offset: int) -> tuple[Any, Any]:
    """Indices and L2-normalised counts of one text's n-grams, as HashingVectorizer gives."""
    from sklearn.utils import murmurhash3_32

    if not grams:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    indices = np.fromiter((_bucket(g, n_features, murmurhash3_32) for g in grams),
                          dtype=np.int64, count=len(grams))
    unique, counts = np.unique(indices, return_counts=True)
    values = counts.astype(np.float64)
    return unique + offset, values / math.sqrt(float(values @ values))


def features_one(text: str) -> tuple[Any, Any]:
    """(indices, values) of one model input; identical to a row of featurize()."""
    char_analyzer, word_analyzer = _analyzers()
    ci, cv = _hash_one(char_analyzer(text), CHAR_FEATURES, 0)
    wi, wv = _hash_one(word_analyzer(text), WORD_FEATURES, CHAR_FEATURES)
    return np.concatenate([ci, wi]), np.concatenate([cv, wv])


class LinearModel:
    """Weights as one dense (N_FEATURES, labels) array built from the sparse file."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path, allow_pickle=False) as data:
            labels = [str(label) for label in data["labels"]]
            self.labels = tuple(labels)
            self.weights = np.zeros((N_FEATURES, len(labels)), dtype=np.float32)
            for column, label in enumerate(labels):
                self.weights[data[f"{label}_index"], column] = data[f"{label}_weight"]
            self.intercepts = data["intercepts"].astype(np.float64)
            self.thresholds = data["thresholds"].astype(np.float64)

    def probabilities(self, text: str, author_role: str, venue: str) -> dict[str, float]:
        indices, values = features_one(model_input(text, author_role, venue))
        scores = values @ self.weights[indices] + self.intercepts
        return {
            label: 1.0 / (1.0 + math.exp(-float(score)))
            for label, score in zip(self.labels, scores, strict=True)
        }

    def predict(self, text: str, author_role: str, venue: str) -> frozenset[str]:
        probs = self.probabilities(text, author_role, venue)
        return frozenset(
            label
            for label, threshold in zip(self.labels, self.thresholds, strict=True)
            if probs[label] >= threshold
        )


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
