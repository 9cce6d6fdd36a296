"""Measure the shipped model once on every frozen set: `python -m moderation.screening.frozen`.

The frozen sets (`tests/data/screening/frozen/*.jsonl`) were written by people who never saw
the rules, the model or the training data. Each is measured once per released model: a
set whose misses were read for tuning becomes training data and a new one is written. So
this command prints and records **only aggregate figures** (per set and per label recall
and false-positive rate, `urgent` per tier, counts), never an item's text or id, and it
refuses to measure a set again with a model it already measured (`--again` overrides,
and the report says so).

It writes `bench/results/<date>-screening-frozen.md` and `.json` with the date, the model
file's sha256 and each set's sha256. `--history` prints, from those files alone, each model's
first measurement: the sets no earlier report had measured, and which targets each missed
(the README's table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from .evaluation import LABELS, TierScore, predicted_labels, score
from .model import MODEL_PATH
from .pipeline import screen

ROOT = Path(__file__).resolve().parents[2]
FROZEN = ROOT / "tests" / "data" / "screening" / "frozen"
RESULTS = ROOT / "bench" / "results"
SUFFIX = "-screening-frozen"
# The targets, printed beside the figures (recall, FPR).
TARGETS = {
    "urgent": "recall >= 0.98 (both tiers); likely FPR <= 0.01, possible FPR <= 0.05",
    "advice_request": "recall >= 0.95, FPR <= 0.02",
    "identifying": "recall >= 0.95, FPR <= 0.02",
    "clinician_advice": "recall >= 0.93, FPR <= 0.02",
    "promotion": "recall >= 0.93, FPR <= 0.02",
}
MIN_RECALL = {"urgent": 0.98, "advice_request": 0.95, "identifying": 0.95,
              "clinician_advice": 0.93, "promotion": 0.93}
MAX_FPR = 0.02  # every label but urgent, whose tiers have their own
LIKELY_MAX_FPR = 0.01
POSSIBLE_MAX_FPR = 0.05


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measure(path: Path) -> dict[str, Any]:
    """Aggregate figures of one set; nothing about any single item leaves this function."""
    pairs = []
    tiers = TierScore()
    items = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        items += 1
        verdict = screen(item["text"], author_role=item.get("author_role", "patient"),
                         venue=item.get("venue", "discussion"))
        found = [label.value for label in verdict.labels]
        pairs.append((item["labels"], predicted_labels(found, verdict.urgent_possible)))
        tiers.add("urgent" in item["labels"], "urgent" in found, verdict.urgent_possible)
    labels = {
        label: {"recall": round(s.recall, 4), "fpr": round(s.false_positive_rate, 4),
                "positives": s.tp + s.fn, "negatives": s.fp + s.tn}
        for label, s in score(pairs).items()
    }
    return {
        "set": path.name,
        "sha256": sha256(path),
        "items": items,
        "labels": labels,
        "urgent_tiers": {
            "recall_both": round(tiers.recall_both, 4),
            "recall_likely": round(tiers.recall_likely, 4),
            "likely_fpr": round(tiers.likely_fpr, 4),
            "possible_fpr": round(tiers.possible_fpr, 4),
        },
    }


def already_measured(results: Path, model_sha: str) -> set[str]:
    """sha256 of every set some earlier run measured with this very model."""
    seen: set[str] = set()
    for report in sorted(results.glob(f"*{SUFFIX}*.json")):
        data = json.loads(report.read_text(encoding="utf-8"))
        if data.get("model_sha256") == model_sha:
            seen.update(s["sha256"] for s in data.get("sets", []))
    return seen


def misses(result: dict[str, Any]) -> list[str]:
    """The targets one set's figures miss, as "label figure" (empty: every target met)."""
    found = []
    for label, minimum in MIN_RECALL.items():
        figures = result["labels"][label]
        if figures["recall"] < minimum:
            found.append(f"{label} recall {figures['recall']:.3f}")
        if label != "urgent" and figures["fpr"] > MAX_FPR:
            found.append(f"{label} FPR {figures['fpr']:.3f}")
    tiers = result.get("urgent_tiers")
    if tiers is None:  # the first reports had one crisis tier
        if result["labels"]["urgent"]["fpr"] > LIKELY_MAX_FPR:
            found.append(f"urgent FPR {result['labels']['urgent']['fpr']:.3f}")
        return found
    if tiers["likely_fpr"] > LIKELY_MAX_FPR:
        found.append(f"likely-tier FPR {tiers['likely_fpr']:.3f}")
    if tiers["possible_fpr"] > POSSIBLE_MAX_FPR:
        found.append(f"possible-tier FPR {tiers['possible_fpr']:.3f}")
    return found


def _report_order(path: Path) -> tuple[str, int]:
    """Reports of one day are numbered from the second on: <date>-screening-frozen[-N]."""
    date, _, number = path.stem.partition(SUFFIX)
    return date, int(number.lstrip("-") or 1)


def history(results: Path) -> str:
    """Each model's first measurement, oldest first: the sets no earlier report measured,
    and the targets each missed (a Markdown table)."""
    seen: set[str] = set()
    lines = ["| report | model | new sets | every target met | misses on its new sets |",
             "|---|---|---:|---:|---|"]
    for path in sorted(results.glob(f"*{SUFFIX}*.json"), key=_report_order):
        report = json.loads(path.read_text(encoding="utf-8"))
        fresh = [s for s in report["sets"] if s["set"] not in seen]
        seen.update(s["set"] for s in report["sets"])
        if not fresh:
            continue
        missed = {s["set"].removesuffix(".jsonl"): misses(s) for s in fresh}
        text = "; ".join(f"{name}: {', '.join(found) or 'every target met'}"
                         for name, found in missed.items())
        met = sum(not found for found in missed.values())
        lines.append(f"| `{path.stem}` | `{report['model_sha256'][:8]}` | {len(fresh)} | "
                     f"{met} | {text} |")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# Screening on the frozen sets, {report['date']}",
        "",
        f"Model `{report['model']}`, sha256 `{report['model_sha256']}`. Each set was "
        "written by people who never saw the rules, the model or the training data; only "
        "aggregate figures are recorded. Recall / false-positive rate per label; `urgent` "
        "counts both tiers (anything that reaches a moderator as a crisis).",
    ]
    if report["again"]:
        lines += ["", "**Measured again** with a model already measured on these sets "
                  "(`--again`): these figures are not a first measurement."]
    for result in report["sets"]:
        tiers = result["urgent_tiers"]
        lines += ["", f"## {result['set']} ({result['items']} items, sha256 "
                  f"`{result['sha256']}`)", "",
                  "| label | recall | FPR | positives | target |", "|---|---|---|---|---|"]
        for label in LABELS:
            s = result["labels"][label]
            lines.append(f"| {label} | {s['recall']:.3f} | {s['fpr']:.3f} | "
                         f"{s['positives']} | {TARGETS[label]} |")
        lines += ["", f"urgent by tier: recall {tiers['recall_both']:.3f} (both), "
                  f"{tiers['recall_likely']:.3f} (likely alone); FPR likely "
                  f"{tiers['likely_fpr']:.3f}, possible {tiers['possible_fpr']:.3f}",
                  "", "Missed: " + (", ".join(misses(result)) or "none: every target met")]
    return "\n".join(lines) + "\n"


def run(frozen: Path, results: Path, model: Path, *, again: bool, today: dt.date) -> int:
    sets = sorted(frozen.glob("*.jsonl"))
    if not sets:
        print(f"no frozen sets in {frozen}")
        return 1
    model_sha = sha256(model)
    repeated = already_measured(results, model_sha) & {sha256(path) for path in sets}
    if repeated and not again:
        print(f"{len(repeated)} set(s) were already measured with this model "
              f"({model_sha[:12]}); a frozen set is measured once per released model. "
              "Use --again to measure anyway (the report will say so).")
        return 1
    report = {"date": today.isoformat(), "model": model.name, "model_sha256": model_sha,
              "again": bool(repeated), "sets": [measure(path) for path in sets]}
    results.mkdir(parents=True, exist_ok=True)
    stem = results / f"{today.isoformat()}{SUFFIX}"
    number = 1
    while stem.with_suffix(".json").exists():
        number += 1
        stem = results / f"{today.isoformat()}{SUFFIX}-{number}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    text = markdown(report)
    stem.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {stem.with_suffix('.md')} and .json")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure the shipped model on the frozen sets.")
    parser.add_argument("--again", action="store_true",
                        help="measure even if this model was measured on these sets already")
    parser.add_argument("--history", action="store_true",
                        help="print each model's first measurement from bench/results; measure nothing")
    args = parser.parse_args(argv)
    if args.history:
        print(history(RESULTS))
        return 0
    return run(FROZEN, RESULTS, MODEL_PATH, again=args.again, today=dt.date.today())


if __name__ == "__main__":
    sys.exit(main())
