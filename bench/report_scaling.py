"""Does the treatment report stay fast as evaluations grow? 10,000 vs 1,000,000 evaluations.

`python -m bench.report_scaling [--backends sqlite,postgresql] [--small 1000] [--large 100000]`

Two bench.scale datasets with 10 evaluations per patient (built first when missing):
`--small` patients (1,000 → 10,000 evaluations) and `--large` patients (100,000 →
1,000,000 evaluations). For each backend, bench.run measures the treatment report of each
dataset's most-evaluated treatment (and the Fortunes baseline) with the same settings; the
result is the ratio large ÷ small of the report's peak throughput (target ≥ 0.9) and both
p99s. Results: bench/results/<date>-report-scaling.md and .json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import run
from bench.harness import RESULTS


def measure(backends: str, patients: int, rest: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kindred-report-scaling-") as folder:
        run.main(["--backends", backends, "--scale", str(patients), "--pages",
                  "treatment report", "--output", folder, *rest])
        (path,) = Path(folder).glob("*-pages.json")
        return dict(json.loads(path.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--duration", default="10")
    parser.add_argument("--warmup", default="3")
    parser.add_argument("--calibration", default="3")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rest = ["--duration", args.duration, "--warmup", args.warmup,
            "--calibration", args.calibration]
    started = dt.datetime.now(dt.UTC)
    runs = {size: measure(args.backends, size, rest) for size in (args.small, args.large)}
    lines = [f"# Treatment report: {args.small * 10:,} vs {args.large * 10:,} evaluations "
             f"({started:%Y-%m-%d %H:%M UTC})", ""]
    m = runs[args.small]["machine"]
    lines += [f"- machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB; "
              f"load average at the start of each run: "
              f"{runs[args.small]['machine']['load_average_at_start']} (small), "
              f"{runs[args.large]['machine']['load_average_at_start']} (large)",
              f"- `wrk -t2 -c16 -d{args.duration}s` after {args.warmup} s warm-up, granian "
              "2 workers; datasets from bench.scale (seed 7, 10 evaluations per patient)",
              "- target: report req/s at the large dataset ≥ 0.9× its req/s at the small one",
              "",
              "| backend | dataset | page | req/s | p99 ms | p99 ms at ½ peak | Fortunes req/s "
              "| others' CPU |",
              "|---|---|---|---:|---:|---:|---:|---:|"]
    summary: dict[str, Any] = {}
    for backend in args.backends.split(","):
        figures, bases = {}, {}
        for size, report in runs.items():
            entry = next((b for b in report["backends"] if b["backend"] == backend), None)
            page = next((p for p in (entry or {}).get("pages", []) if p.get("measured")), None)
            if not entry or page is None:
                reason = (entry or {}).get("error") or next(
                    (p.get("reason") for p in (entry or {}).get("pages", [])), "no figures")
                lines.append(f"| {backend} | {size * 10:,} evaluations | – | not measured: "
                             f"{reason} | | | | |")
                continue
            figures[size] = page["peak"]["requests_per_second"]
            bases[size] = entry["baseline"]["peak"]["requests_per_second"]
            half = page.get("half_peak") or {}
            foreign = page["peak"].get("foreign_cpu_share")
            lines.append(
                f"| {backend} | {size * 10:,} evaluations | `{page['path']}` | "
                f"{page['peak']['requests_per_second']:,.0f} | {page['peak']['p99_ms']:.1f} | "
                f"{half.get('p99_ms', float('nan')):.1f} | "
                f"{entry['baseline']['peak']['requests_per_second']:,.0f} | "
                f"{'–' if foreign is None else f'{foreign:.0%}'} |")
        if len(figures) == 2 and figures[args.small]:
            ratio = figures[args.large] / figures[args.small]
            summary[backend] = round(ratio, 3)
            verdict = "meets" if ratio >= 0.9 else "does NOT meet"
            lines.append(f"| {backend} | **ratio large ÷ small** | | **{ratio:.2f}×** "
                         f"({verdict} the 0.9× target) | | | | |")
            if bases.get(args.small) and bases.get(args.large):
                fair = ratio * bases[args.small] / bases[args.large]
                summary[f"{backend} (report ÷ Fortunes)"] = round(fair, 3)
                lines.append(f"| {backend} | **ratio of (report ÷ Fortunes)** | | "
                             f"**{fair:.2f}×** ({'meets' if fair >= 0.9 else 'does NOT meet'} "
                             "the target; corrects for the machine's drift) | | | | |")
    lines += ["", "Raw runs: the JSON file beside this one.", ""]
    args.output.mkdir(parents=True, exist_ok=True)
    stem = args.output / (f"{started:%Y-%m-%d}-report-scaling-"
                          f"{args.backends.replace(',', '-')}-{args.large}")
    stem.with_suffix(".md").write_text("\n".join(lines))
    stem.with_suffix(".json").write_text(json.dumps(
        {"ratios": summary, "runs": {str(k): v for k, v in runs.items()}}, indent=2,
        ensure_ascii=False) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
