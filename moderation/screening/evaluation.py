"""Precision, recall and false-positive rate per label over labelled text."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from community.screening import ScreenLabel

LABELS = tuple(label.value for label in ScreenLabel)


@dataclass
class LabelScore:
    """Confusion counts for one label."""

    label: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    def add(self, expected: bool, predicted: bool) -> None:
        if expected and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1


def score(pairs: Iterable[tuple[Iterable[str], Iterable[str]]]) -> dict[str, LabelScore]:
    """Score (expected labels, predicted labels) pairs, one LabelScore per known label."""
    scores = {label: LabelScore(label) for label in LABELS}
    for expected, predicted in pairs:
        expected_set, predicted_set = set(expected), set(predicted)
        for label, label_score in scores.items():
            label_score.add(label in expected_set, label in predicted_set)
    return scores


def format_table(scores: dict[str, LabelScore]) -> str:
    """A plain aligned table, one row per label."""
    header = (
        f"{'label':<18}{'precision':>10}{'recall':>8}{'fpr':>7}{'tp':>6}{'fp':>6}{'fn':>6}{'tn':>6}"
    )
    rows = [
        f"{s.label:<18}{s.precision:>10.3f}{s.recall:>8.3f}{s.false_positive_rate:>7.3f}{s.tp:>6}{s.fp:>6}{s.fn:>6}{s.tn:>6}"
        for s in scores.values()
    ]
    return "\n".join([header, *rows])


@dataclass
class TierScore:
    """`urgent` in two tiers: how the texts that are (or are not) a crisis were placed."""

    positives: int = 0
    negatives: int = 0
    likely_tp: int = 0
    possible_tp: int = 0
    likely_fp: int = 0
    possible_fp: int = 0

    def add(self, expected: bool, likely: bool, possible: bool) -> None:
        if expected:
            self.positives += 1
            self.likely_tp += likely
            self.possible_tp += possible and not likely
        else:
            self.negatives += 1
            self.likely_fp += likely
            self.possible_fp += possible and not likely

    @property
    def recall_both(self) -> float:
        """Anything that reaches a moderator as a crisis counts."""
        return (self.likely_tp + self.possible_tp) / self.positives if self.positives else 1.0

    @property
    def recall_likely(self) -> float:
        return self.likely_tp / self.positives if self.positives else 1.0

    @property
    def likely_fpr(self) -> float:
        return self.likely_fp / self.negatives if self.negatives else 0.0

    @property
    def possible_fpr(self) -> float:
        return self.possible_fp / self.negatives if self.negatives else 0.0

    def line(self) -> str:
        return (
            f"urgent tiers: recall {self.recall_both:.3f} (both tiers), "
            f"{self.recall_likely:.3f} (likely alone); false-positive rate "
            f"likely {self.likely_fpr:.3f} ({self.likely_fp}), "
            f"possible {self.possible_fpr:.3f} ({self.possible_fp})"
        )


def predicted_labels(labels: Iterable[str], urgent_possible: bool) -> list[str]:
    """The labels scored for a verdict: a possible crisis counts as `urgent` (it reaches a
    moderator as one)."""
    found = list(labels)
    if urgent_possible and "urgent" not in found:
        found.append("urgent")
    return found
