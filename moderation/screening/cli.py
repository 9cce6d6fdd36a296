"""`kindred screen`: JSON lines in, one verdict per line out; with --evaluate, a quality table.

The `urgent` row of the table counts both crisis tiers (likely and possible: either reaches
a moderator as a crisis); the line under it gives each tier's false-positive rate."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from community.screening import Venue, Verdict

from .evaluation import LABELS, TierScore, format_table, predicted_labels, score
from .pipeline import screen

ROLES = frozenset({"patient", "caregiver", "clinician", "moderator", "admin", "researcher"})
VENUES = frozenset(venue.value for venue in Venue)


class LineError(ValueError):
    """A line that cannot be screened, and why."""


def _parse(line: str, *, evaluate: bool) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LineError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(item, dict):
        raise LineError("expected a JSON object")
    if not isinstance(item.get("id"), str | int) or isinstance(item.get("id"), bool):
        raise LineError('"id" must be a string')
    if not isinstance(item.get("text"), str):
        raise LineError('"text" must be a string')
    # Missing context is read as the common case rather than refused.
    item.setdefault("author_role", "patient")
    item.setdefault("venue", "discussion")
    if item.get("author_role") not in ROLES:
        raise LineError(f'"author_role" must be one of {", ".join(sorted(ROLES))}')
    if item.get("venue") not in VENUES:
        raise LineError(f'"venue" must be one of {", ".join(sorted(VENUES))}')
    if evaluate:
        labels = item.get("labels")
        if not isinstance(labels, list) or any(label not in LABELS for label in labels):
            raise LineError(f'"labels" must be a list drawn from {", ".join(LABELS)}')
    return item


def _verdict_json(item_id: Any, verdict: Verdict) -> str:
    """One output line; `"urgent"` in labels is the likely tier, and the extra key
    `"urgent_possible": true` appears only for the possible tier."""
    row: dict[str, Any] = {
        "id": item_id,
        "labels": [label.value for label in verdict.labels],
        "action": verdict.action.value,
        "spans": [[span.start, span.end, span.kind] for span in verdict.spans],
    }
    if verdict.urgent_possible:
        row["urgent_possible"] = True
    return json.dumps(row, ensure_ascii=False)


def run_screen(lines: Iterable[str], out: TextIO, *, evaluate: bool) -> int:
    """Screen JSON lines: verdicts in input order, or with evaluate the quality table; exit code."""
    pairs: list[tuple[list[str], list[str]]] = []
    tiers = TierScore()
    errors: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = _parse(line, evaluate=evaluate)
        except LineError as exc:
            message = f"line {number}: {exc}"
            errors.append(message)
            if not evaluate:
                out.write(
                    json.dumps({"id": _salvage_id(line), "error": message}, ensure_ascii=False)
                    + "\n"
                )
            continue
        verdict = screen(item["text"], author_role=item["author_role"], venue=item["venue"])
        if evaluate:
            found = [label.value for label in verdict.labels]
            pairs.append((item["labels"], predicted_labels(found, verdict.urgent_possible)))
            tiers.add("urgent" in item["labels"], "urgent" in found, verdict.urgent_possible)
        else:
            out.write(_verdict_json(item["id"], verdict) + "\n")
    if evaluate:
        out.write(format_table(score(pairs)) + "\n")
        out.write(tiers.line() + "\n")
        out.write(f"items: {len(pairs)}\n")
        for message in errors:
            out.write(f"skipped {message}\n")
    return 0


def _salvage_id(line: str) -> Any:
    """The id of a rejected line when it can still be read, so the error can be matched up."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError:
        return None
    return (
        item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str | int) else None
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m moderation.screening.cli [--input FILE] [--evaluate]`."""
    parser = argparse.ArgumentParser(description="Screen JSON lines of user text.")
    parser.add_argument("--input", help="JSON lines file (default: standard input)")
    parser.add_argument(
        "--evaluate",
        action="store_true",
        help="input carries labels; print precision/recall per label",
    )
    args = parser.parse_args(argv)
    if args.input:
        with open(args.input, encoding="utf-8") as handle:
            return run_screen(handle, sys.stdout, evaluate=args.evaluate)
    return run_screen(sys.stdin, sys.stdout, evaluate=args.evaluate)


if __name__ == "__main__":
    sys.exit(main())
