"""The trained screening layer: the shipped file, reproducible training, the two crisis
tiers, and the regression set of clear cases that CI gates on (not an estimate of quality
on unseen text: that is the frozen sets' job, `python -m moderation.screening.frozen`)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

from community.screening import ScreenLabel
from moderation.screening import screen
from moderation.screening.cli import run_screen
from moderation.screening.evaluation import TierScore, predicted_labels, score
from moderation.screening.model import (
    MODEL_LABELS,
    MODEL_PATH,
    N_FEATURES,
    NEVER,
    LinearModel,
    features_one,
    featurize,
    load_model,
    model_input,
)
from moderation.screening.train import load, train, training_files, write

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"
REGRESSION = DATA / "regression.jsonl"
# Clear cases: at most one miss in twenty per label, almost no false alarm.
REGRESSION_RECALL = 0.95
REGRESSION_MAX_FPR = 0.02
REGRESSION_LIKELY_MAX_FPR = 0.01


def _items(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_model_file_loads_and_is_small() -> None:
    # Five labels of pruned float16 weights; the budgets that matter (load <= 1 s, p99 <= 5 ms
    # per text) are measured by bench/screening_bench.py.
    assert MODEL_PATH.stat().st_size < 4_000_000
    model = load_model()
    assert model is not None
    assert model.labels == MODEL_LABELS
    assert all(0.0 < t <= NEVER for t in model.thresholds)
    urgent = MODEL_LABELS.index("urgent")
    # Only urgent has a possible tier, and it sits below the likely one.
    assert model.possible_thresholds[urgent] <= model.thresholds[urgent]
    assert all(model.possible_thresholds[n] == NEVER
               for n, label in enumerate(MODEL_LABELS) if label != "urgent")
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        for label in MODEL_LABELS:
            kept = np.unpackbits(data[f"{label}_mask"], count=N_FEATURES).sum()
            assert kept == len(data[f"{label}_weight"]) > 0
            assert np.all(data[f"{label}_weight"] != 0)


@pytest.mark.parametrize(("sublinear", "venue_words", "venue"), [
    (False, False, "discussion"), (True, False, "profile"), (True, True, "profile"),
    (True, True, "discussion")])
def test_fast_features_match_the_vectorizers(sublinear: bool, venue_words: bool,
                                             venue: str) -> None:
    for text in ["should i stop my metformin?? stop stop", "промокод ZDOROVO20 😭", "a", "!!!"]:
        given = model_input(text, "patient", venue)
        row = featurize([given], sublinear=sublinear, venue_words=venue_words)
        indices, values = features_one(given, sublinear=sublinear, venue_words=venue_words)
        order = np.argsort(indices)
        assert list(indices[order]) == list(row.indices)
        assert np.allclose(values[order], row.data, atol=1e-6)


@pytest.mark.long
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


def test_the_shipped_model_was_trained_on_every_training_file_as_it_is() -> None:
    # Merging a new batch means retraining: `python -m moderation.screening.train`.
    from moderation.screening.train import fingerprint

    with np.load(MODEL_PATH, allow_pickle=False) as data:
        assert [str(row) for row in data["trained_on"]] == fingerprint(training_files())


def test_training_reads_every_corpus_batch_and_groups_by_file() -> None:
    names = [path.name for path in training_files()]
    assert {"tune.jsonl", "holdout.jsonl", "fresh4.jsonl"} <= set(names)
    assert all(path.name in names for path in sorted((DATA / "corpus").glob("b*.jsonl")))
    items = load()
    assert {item["group"] for item in items} == {path.stem for path in training_files()}
    # The retired frozen sets are read as a part of their own, never the frozen ones.
    retired = sorted((DATA / "corpus" / "retired").glob("f*.jsonl"))
    assert retired and all(path in training_files() for path in retired)
    parts = {item["group"]: item["part"] for item in items}
    assert {parts[path.stem] for path in retired} == {"retired"}
    assert parts["b01"] == "batches" and parts["tune"] == "older files"


def test_false_positive_caps_hold_in_each_part_with_enough_negatives() -> None:
    from moderation.screening.train import MIN_PART_NEGATIVES, NEVER, best_pair, fpr_parts

    n = MIN_PART_NEGATIVES
    part = np.array(["batches"] * (n + 8) + ["retired"] * n + ["older files"] * 10)
    y = np.zeros(len(part), dtype=int)
    y[:8] = 1
    masks = fpr_parts(y, part)
    # everything, then the two parts with enough negatives; the small one only counts overall
    assert [int(m.sum()) for m in masks] == [2 * n + 18, n + 8, n]
    # Three positives need a threshold of 0.5, which also flags 3 % of the retired part's
    # negatives: under the 2 % cap over everything, over it in that part.
    probs = np.full(len(y), 0.01)
    probs[:5], probs[5:8] = 0.9, 0.5
    probs[n + 8:n + 8 + int(0.03 * n)] = 0.5
    rules = np.zeros(len(y), dtype=bool)
    overall = best_pair(probs, y, rules, masks[:1], 0.02, rule_grid=(NEVER,))
    assert (overall.threshold, overall.recall) == (0.5, 1.0)
    by_part = best_pair(probs, y, rules, masks, 0.02, rule_grid=(NEVER,))
    assert (by_part.threshold, by_part.recall) == (0.9, 5 / 8)


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


def _tuned(**thresholds: float) -> LinearModel:
    """The shipped model with the urgent thresholds replaced."""
    model = LinearModel()
    urgent = model.labels.index("urgent")
    for name, value in thresholds.items():
        getattr(model, name)[urgent] = value
    return model


def test_rule_and_model_thresholds_decide_the_tiers() -> None:
    text = "i want to die, i cant keep doing this"
    alone = _tuned(thresholds=NEVER, rule_thresholds=0.0)
    assert alone.decide(text, "patient", "discussion", frozenset({"urgent"})).labels == {"urgent"}
    # The rule does not count: only the model's own (unreachable) threshold would.
    ignored = _tuned(thresholds=NEVER, rule_thresholds=NEVER, possible_thresholds=NEVER,
                     possible_rule_thresholds=NEVER)
    decision = ignored.decide(text, "patient", "discussion", frozenset({"urgent"}))
    assert "urgent" not in decision.labels and not decision.urgent_possible
    possible = _tuned(thresholds=NEVER, rule_thresholds=NEVER, possible_thresholds=0.0)
    decision = possible.decide("hello there", "patient", "discussion")
    assert "urgent" not in decision.labels and decision.urgent_possible


def test_a_possible_crisis_publishes_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation.screening import pipeline

    model = _tuned(thresholds=NEVER, rule_thresholds=NEVER, possible_thresholds=0.0,
                   possible_rule_thresholds=0.0)
    monkeypatch.setattr(pipeline, "load_model", lambda: model)
    verdict = screen("Rough week. How is everyone holding up?", author_role="patient",
                     venue="discussion")
    assert verdict.labels == () and verdict.urgent_possible and verdict.needs_crisis_check
    assert verdict.is_visible_to_others and verdict.stored_labels() == ["urgent_possible"]
    out = io.StringIO()
    line = json.dumps({"id": "p", "text": "Rough week.", "author_role": "patient",
                       "venue": "discussion"})
    run_screen([line], out, evaluate=False)
    assert json.loads(out.getvalue()) == {"id": "p", "labels": [], "action": "publish",
                                          "spans": [], "urgent_possible": True}
    # A likely crisis never carries the extra key.
    likely = _tuned(thresholds=0.0)
    monkeypatch.setattr(pipeline, "load_model", lambda: likely)
    verdict = screen("Rough week.", author_role="patient", venue="discussion")
    assert ScreenLabel.URGENT in verdict.labels and not verdict.urgent_possible


def _never(model: LinearModel, label: str) -> LinearModel:
    """`model` with `label` switched off: neither its own nor a rule's finding confirmed."""
    index = model.labels.index(label)
    model.thresholds[index] = NEVER
    model.rule_thresholds[index] = NEVER
    return model


def test_identifying_rules_stand_and_the_model_adds_disguised_details(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from moderation.screening import pipeline

    # A disguised address the rules cannot see: the model finds it, with no span of its own.
    disguised = "пиши лучше на почту: ирина точка соколова собака мейл точка ру, там проще"
    assert ScreenLabel.IDENTIFYING not in screen(disguised, author_role="patient",
                                                 venue="message", use_model=False).labels
    verdict = screen(disguised, author_role="patient", venue="message")
    assert ScreenLabel.IDENTIFYING in verdict.labels
    assert [span.kind for span in verdict.spans] == ["identifying_model"]
    # Even a model that confirms nothing cannot drop a telephone number the rules found,
    # while a label whose rule needs the model's agreement goes.
    silent = _never(_never(LinearModel(), "identifying"), "advice_request")
    monkeypatch.setattr(pipeline, "load_model", lambda: silent)
    text = "Should I double my metformin tonight? Call me on +44 7700 900123"
    assert ScreenLabel.ADVICE_REQUEST in screen(text, author_role="patient", venue="discussion",
                                                use_model=False).labels
    verdict = screen(text, author_role="patient", venue="discussion")
    assert ScreenLabel.IDENTIFYING in verdict.labels
    assert ScreenLabel.ADVICE_REQUEST not in verdict.labels
    assert any(span.kind != "identifying_model" for span in verdict.spans)


def test_regression_set_shape() -> None:
    items = _items(REGRESSION)
    assert 140 <= len(items) <= 200
    assert len({item["id"] for item in items}) == len(items)
    trained = {item["id"] for item in load()}
    assert {item["id"] for item in items} <= trained  # picked from training data
    for lang in ("en", "ru"):
        for label in ("urgent", "advice_request", "identifying", "clinician_advice",
                      "promotion"):
            assert sum(label in i["labels"] and i["lang"] == lang for i in items) >= 8
        assert sum(not i["labels"] and i["lang"] == lang for i in items) >= 20


def test_regression_set_meets_targets() -> None:
    assert load_model() is not None
    pairs = []
    tiers = TierScore()
    for item in _items(REGRESSION):
        verdict = screen(item["text"], author_role=item["author_role"], venue=item["venue"])
        found = [label.value for label in verdict.labels]
        pairs.append((item["labels"], predicted_labels(found, verdict.urgent_possible)))
        tiers.add("urgent" in item["labels"], "urgent" in found, verdict.urgent_possible)
    for label, s in score(pairs).items():
        assert s.recall >= REGRESSION_RECALL, (label, s.recall)
        assert s.false_positive_rate <= REGRESSION_MAX_FPR or label == "urgent", (
            label, s.false_positive_rate)
    assert tiers.recall_both >= REGRESSION_RECALL
    assert tiers.likely_fpr <= REGRESSION_LIKELY_MAX_FPR
    assert tiers.possible_fpr <= REGRESSION_MAX_FPR


def test_frozen_measurement_records_only_aggregates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A stand-in frozen directory of our own (the real sets are never opened by tests).
    import datetime as dt

    from moderation.screening.frozen import run

    frozen, results = tmp_path / "frozen", tmp_path / "results"
    frozen.mkdir()
    rows = [("secret-id-1", "i want to die tonight zebra-quartz", ["urgent"]),
            ("secret-id-2", "lovely walk today zebra-quartz", [])]
    (frozen / "f1.jsonl").write_text("".join(
        json.dumps({"id": i, "text": t, "author_role": "patient", "venue": "discussion",
                    "labels": labels}) + "\n" for i, t, labels in rows), encoding="utf-8")
    today = dt.date(2026, 12, 7)
    assert run(frozen, results, MODEL_PATH, again=False, today=today) == 0
    printed = capsys.readouterr().out
    report = (results / "2026-12-07-screening-frozen.json").read_text(encoding="utf-8")
    written = report + (results / "2026-12-07-screening-frozen.md").read_text(encoding="utf-8")
    for secret in ("secret-id", "zebra-quartz", "lovely walk"):
        assert secret not in printed and secret not in written
    data = json.loads(report)
    assert data["model_sha256"] in printed and data["sets"][0]["items"] == 2
    assert set(data["sets"][0]["urgent_tiers"]) == {"recall_both", "recall_likely",
                                                    "likely_fpr", "possible_fpr"}
    # Once per model: a second run refuses unless told, and then says so.
    assert run(frozen, results, MODEL_PATH, again=False, today=today) == 1
    assert run(frozen, results, MODEL_PATH, again=True, today=today) == 0
    again = json.loads((results / "2026-12-07-screening-frozen-2.json").read_text("utf-8"))
    assert again["again"] is True


def _frozen_result(name: str, *, advice_recall: float = 1.0, likely_fpr: float = 0.0,
                   promotion_fpr: float = 0.0) -> dict:
    labels = {label: {"recall": 1.0, "fpr": 0.0, "positives": 10, "negatives": 240}
              for label in MODEL_LABELS}
    labels["advice_request"]["recall"] = advice_recall
    labels["promotion"]["fpr"] = promotion_fpr
    return {"set": f"{name}.jsonl", "sha256": name, "items": 250, "labels": labels,
            "urgent_tiers": {"recall_both": 1.0, "recall_likely": 1.0,
                             "likely_fpr": likely_fpr, "possible_fpr": 0.03}}


def test_frozen_history_shows_each_models_first_measurement_and_its_misses(
    tmp_path: Path
) -> None:
    from moderation.screening.frozen import history, misses

    assert misses(_frozen_result("f1")) == []
    assert misses(_frozen_result("f1", advice_recall=0.94, likely_fpr=0.013,
                                 promotion_fpr=0.021)) == [
        "advice_request recall 0.940", "promotion FPR 0.021", "likely-tier FPR 0.013"]
    reports = [
        ("2026-12-07-screening-frozen.json", "aaaa1111",
         [_frozen_result("f1", advice_recall=0.9), _frozen_result("f2")]),
        # The second model measured the first sets again: only f3 is its first measurement.
        ("2026-12-07-screening-frozen-2.json", "bbbb2222",
         [_frozen_result("f1"), _frozen_result("f2"), _frozen_result("f3", likely_fpr=0.02)]),
        # Numbered reports sort by number, not as text (10 after 2).
        ("2026-12-07-screening-frozen-10.json", "cccc3333", [_frozen_result("f4")]),
    ]
    for name, model, sets in reports:
        (tmp_path / name).write_text(json.dumps({"model_sha256": model, "sets": sets}),
                                     encoding="utf-8")
    rows = history(tmp_path).splitlines()[2:]
    assert rows == [
        "| `2026-12-07-screening-frozen` | `aaaa1111` | 2 | 1 | f1: advice_request recall "
        "0.900; f2: every target met |",
        "| `2026-12-07-screening-frozen-2` | `bbbb2222` | 1 | 0 | f3: likely-tier FPR 0.020 |",
        "| `2026-12-07-screening-frozen-10` | `cccc3333` | 1 | 1 | f4: every target met |",
    ]


def _reference_features(text: str, sublinear: bool) -> tuple[np.ndarray, np.ndarray]:
    """features_one as it was first written: scikit-learn's analyzers, one MurmurHash3 per
    n-gram, np.unique to count (kept here as the reference, not used by the pipeline)."""
    from sklearn.utils import murmurhash3_32

    from moderation.screening.model import CHAR_FEATURES, WORD_FEATURES, _analyzers, word_grams

    def block(grams: list[str], width: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
        hashes = [murmurhash3_32(gram, seed=0) for gram in grams]
        columns = np.array([(2**31 - width) % width if h == -(2**31) else abs(h) % width
                            for h in hashes], dtype=np.int64)
        unique, counts = np.unique(columns, return_counts=True)
        values = counts.astype(np.float64)
        if sublinear:
            values = 1.0 + np.log(values)
        return unique + offset, values / math.sqrt(float(values @ values))

    ci, cv = block(_analyzers()[0](text), CHAR_FEATURES, 0)
    wi, wv = block(word_grams(text, venue_words=False), WORD_FEATURES, CHAR_FEATURES)
    return np.concatenate([ci, wi]), np.concatenate([cv, wv])


def test_fast_features_are_the_reference_to_the_bit() -> None:
    # Same columns in the same order and the same float64 values bit for bit, so the
    # probabilities (and every verdict) are exactly what the reference gives.
    texts = [item["text"] for item in _items(REGRESSION)] + [
        "  many   spaces\tand\ttabs\n\nand lines ", "İstanbul ǅ STRASSE ﬁne", "😭 🙌🏽 é\u0301",
        "a\u2028b\x1cc\u00a0d\u3000e", "x" * 3000, "help " * 500, "a", "!!!"]
    for text in texts:
        for role, venue in (("patient", "discussion"), ("clinician", "education")):
            given = model_input(text, role, venue)
            for sublinear in (False, True):
                indices, values = features_one(given, sublinear=sublinear)
                expected_indices, expected_values = _reference_features(given, sublinear)
                assert indices.dtype == expected_indices.dtype
                assert np.array_equal(indices, expected_indices), text
                assert values.tobytes() == expected_values.tobytes(), text


def test_the_word_cache_cannot_be_changed_through_a_result() -> None:
    from moderation.screening.model import _word_char_columns

    columns = _word_char_columns("metformin")
    with pytest.raises(ValueError, match="read-only"):
        columns[0] = 0
    kept = columns.copy()
    indices, _values = features_one(model_input("metformin metformin", "patient", "discussion"))
    indices[:] = 0  # the result is the caller's own copy
    assert np.array_equal(_word_char_columns("metformin"), kept)
