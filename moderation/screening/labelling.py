"""The corpus's second labelling pass: `python -m moderation.screening.labelling`.

Every batch and frozen set is labelled twice: by its author, then by an independent labeller
who sees only the texts. This module is the plumbing between the passes:

- `strip AUTHOR OUT` writes the texts without their labels, for the labeller;
- `compare AUTHOR SECOND` matches the passes by id and prints, per label, how many items each
  pass labelled, how many both did and Cohen's kappa, and the number of disagreements. With
  `--ids` it also lists the disagreeing ids (for training batches only: a frozen set's
  disagreements go to an adjudicator unseen, and nobody on the team reads them);
- `disagreements AUTHOR SECOND OUT` writes the disagreeing items with both passes' labels,
  for the adjudicator;
- `merge AUTHOR SECOND OUT [--adjudicated FILE]` writes the final file (the labels both passes
  gave; where they differ, the adjudicator's) and records the agreement in a provenance file
  (`--provenance FILE --key NAME`).

Nothing here prints a text.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .evaluation import LABELS

FIELDS = ("id", "lang", "text", "author_role", "venue")


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def write(path: Path, items: list[dict[str, Any]]) -> None:
    """All or nothing: the file appears complete or not at all."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items),
                       encoding="utf-8")
    partial.replace(path)


def strip(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: item[key] for key in FIELDS} for item in items]


def paired(first: list[dict[str, Any]], second: list[dict[str, Any]]
           ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The two passes matched by id; a missing, extra or altered item is an error."""
    by_id = {item["id"]: item for item in second}
    missing = [item["id"] for item in first if item["id"] not in by_id]
    extra = sorted(set(by_id) - {item["id"] for item in first})
    if missing or extra:
        raise ValueError(f"the passes differ in ids: missing {missing[:10]}, extra {extra[:10]}")
    altered = [item["id"] for item in first if by_id[item["id"]]["text"] != item["text"]]
    if altered:
        raise ValueError(f"the second pass changed the text of {altered[:10]}")
    return [(item, by_id[item["id"]]) for item in first]


def kappa(a: list[bool], b: list[bool]) -> float:
    """Cohen's kappa of two yes/no passes (1.0 when both are constant and equal)."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return 1.0 if expected == 1 else round((observed - expected) / (1 - expected), 3)


def agreement(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    per_label = {}
    for label in LABELS:
        a = [label in first["labels"] for first, _ in pairs]
        b = [label in second["labels"] for _, second in pairs]
        per_label[label] = {"first": sum(a), "second": sum(b),
                            "both": sum(x and y for x, y in zip(a, b, strict=True)), "kappa": kappa(a, b)}
    return {"items": len(pairs), "agreement": per_label,
            "disagreements": len(disagreeing(pairs))}


def disagreeing(pairs: list[tuple[dict[str, Any], dict[str, Any]]]
                ) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(a, b) for a, b in pairs if set(a["labels"]) != set(b["labels"])]


def merged(pairs: list[tuple[dict[str, Any], dict[str, Any]]],
           adjudicated: dict[str, list[str]]) -> tuple[list[dict[str, Any]], int]:
    """The final items, and how many of them changed from the author's labels."""
    out, changed = [], 0
    for first, second in pairs:
        labels = first["labels"]
        if set(first["labels"]) != set(second["labels"]):
            if first["id"] not in adjudicated:
                raise ValueError(f"{first['id']}: the passes disagree and nobody adjudicated")
            labels = adjudicated[first["id"]]
        unknown = set(labels) - set(LABELS)
        if unknown:
            raise ValueError(f"{first['id']}: unknown labels {sorted(unknown)}")
        ordered = [label for label in LABELS if label in labels]
        changed += set(ordered) != set(first["labels"])
        out.append({**first, "labels": ordered})
    return out, changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("strip")
    command.add_argument("author", type=Path)
    command.add_argument("out", type=Path)
    command = commands.add_parser("compare")
    command.add_argument("author", type=Path)
    command.add_argument("second", type=Path)
    command.add_argument("--ids", action="store_true")
    command = commands.add_parser("disagreements")
    command.add_argument("author", type=Path)
    command.add_argument("second", type=Path)
    command.add_argument("out", type=Path)
    command = commands.add_parser("merge")
    command.add_argument("author", type=Path)
    command.add_argument("second", type=Path)
    command.add_argument("out", type=Path)
    command.add_argument("--adjudicated", type=Path,
                         help="JSON lines of {id, labels} for every disagreement")
    command.add_argument("--provenance", type=Path)
    command.add_argument("--key")
    command.add_argument("--note", help="added to the provenance entry as 'written'")
    args = parser.parse_args(argv)
    try:
        if args.command == "strip":
            write(args.out, strip(read(args.author)))
            return 0
        pairs = paired(read(args.author), read(args.second))
        if args.command == "compare":
            print(json.dumps(agreement(pairs), indent=1))
            if args.ids:
                print("disagreeing ids:", [a["id"] for a, _ in disagreeing(pairs)])
            return 0
        if args.command == "disagreements":
            write(args.out, [{**strip([a])[0], "first": a["labels"], "second": b["labels"]}
                             for a, b in disagreeing(pairs)])
            return 0
        adjudicated = ({row["id"]: row["labels"] for row in read(args.adjudicated)}
                       if args.adjudicated else {})
        items, changed = merged(pairs, adjudicated)
        write(args.out, items)
        if args.provenance and args.key:
            record = json.loads(args.provenance.read_text("utf-8")) if (
                args.provenance.exists()) else {}
            entry = {"set" if args.key.startswith("f") else "batch": args.key,
                     **agreement(pairs), "adjudicated": len(adjudicated),
                     "changed_from_author": changed}
            if args.note:
                entry["written"] = args.note
            record[args.key] = entry
            args.provenance.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
        return 0
    except (ValueError, KeyError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
