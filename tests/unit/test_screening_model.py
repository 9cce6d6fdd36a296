"""The trained screening layer: the shipped file, reproducible training, combined quality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from community.screening import ScreenLabel
from moderation.screening import screen
from moderation.screening.evaluation import score
from moderation.screening.model import (
    MODEL_LABELS,
    MODEL_PATH,
    LinearModel,
    features_one,
    featurize,
    load_model,
    model_input,
)
from moderation.screening.train import load, train, write

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
TARGET_RECALL = {
    "urgent": 0.98,
    "advice_request": 0.95,
    "identifying": 0.95,
    "clinician_advice": 0.90,
    "promotion": 0.90,
}


def _items(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def test_model_file_loads_and_is_small() -> None:
    assert MODEL_PATH.stat().st_size < 2_000_000
    model = load_model()
    assert model is not None
    assert model.labels == MODEL_LABELS
    assert all(0.0 < t <= 1.0 for t in model.thresholds)
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        assert "identifying_index" not in data
        for label in MODEL_LABELS:
            assert len(data[f"{label}_index"]) == len(data[f"{label}_weight"]) > 0
            assert np.all(data[f"{label}_weight"] != 0)


def test_fast_features_match_the_vectorizers() -> None:
    for text in ["should i stop my metformin??", "промокод ZDOROVO20 😭", "a", "!!!"]:
        given = model_input(text, "patient", "discussion")
        row = featurize([given])
        indices, values = features_one(given)
        order = np.argsort(indices)
        assert list(indices[order]) == list(row.indices)
        assert np.allclose(values[order], row.data, atol=1e-6)


def test_training_is_reproducible_on_a_subset(tmp_path: Path) -> None:
    items = load()[::9]
    first = train(items, verbose=False)
    second = train(items, verbose=False)
    assert first.keys() == second.keys()
    for name in first:
        assert np.array_equal(first[name], second[name]), name
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    write(first, a)
    write(second, b)
    assert a.read_bytes() == b.read_bytes()
    model = LinearModel(a)
    assert model.labels == MODEL_LABELS


def test_model_respects_author_roles() -> None:
    text = "You should stop the methotrexate and start 20mg prednisone tomorrow"
    assert (
        ScreenLabel.CLINICIAN_ADVICE
        not in screen(text, author_role="patient", venue="discussion").labels
    )
    question = "should i double my sertraline tonight, i feel awful"
    assert (
        ScreenLabel.ADVICE_REQUEST
        not in screen(question, author_role="clinician", venue="discussion").labels
    )


def test_model_only_adds_labels_to_the_rules() -> None:
    for item in _items("holdout.jsonl")[:120]:
        kwargs = {"author_role": item["author_role"], "venue": item["venue"]}
        rules = set(screen(item["text"], use_model=False, **kwargs).labels)
        assert rules <= set(screen(item["text"], **kwargs).labels)


@pytest.mark.parametrize("name", ["holdout.jsonl", "fresh.jsonl", "tune.jsonl"])
def test_combined_pipeline_meets_targets(name: str) -> None:
    assert load_model() is not None
    pairs = []
    for item in _items(name):
        verdict = screen(item["text"], author_role=item["author_role"], venue=item["venue"])
        pairs.append((item["labels"], [label.value for label in verdict.labels]))
    for label, s in score(pairs).items():
        assert s.recall >= TARGET_RECALL[label], (name, label, s.recall)
        assert s.false_positive_rate <= 0.03, (name, label, s.false_positive_rate)


