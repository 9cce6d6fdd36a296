"""Does the treatment report stay fast as evaluations grow? 10,000 vs 1,000,000 evaluations.

`python -m bench.report_scaling [--backends sqlite,postgresql] [--small 1000] [--large 100000]
[--pages "treatment report,comparison"]`

Two bench.scale datasets with 10 evaluations per patient (built first when missing):
`--small` patients (1,000 → 10,000 evaluations) and `--large` patients (100,000 →
1,000,000 evaluations). For each backend, bench.run measures the treatment report of each
dataset's most-evaluated treatment, the same report narrowed to people like me
(`?sex=female&age_band=55-74`), the comparison of the most common condition's three most
taken treatments (and the Fortunes baseline) with the same settings; the result, per page,
is the ratio large ÷ small of its peak throughput (target ≥ 0.9), the same corrected by the
Fortunes baseline of each run, the ratio small ÷ large of the server's CPU per request (the
cost, which other work on a shared machine moves far less than throughput) and both p99s. The large
run builds a 1,000,000-evaluation dataset and takes a long while; `--large 10000` is a
quicker look. Results: bench/results/<date>-report-scaling.md and .json.
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


def measure(backends: str, patients: int, pages: str, rest: list[str]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kindred-report-scaling-") as folder:
        run.main(["--backends", backends, "--scale", str(patients), "--pages",
                  pages, "--output", folder, *rest])
        (path,) = Path(folder).glob("*-pages.json")
        return dict(json.loads(path.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--pages", default="treatment report,comparison",
                        help="pages of bench.run whose names contain one of these words")
    parser.add_argument("--duration", default="10")
    parser.add_argument("--warmup", default="3")
    parser.add_argument("--calibration", default="3")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rest = ["--duration", args.duration, "--warmup", args.warmup,
            "--calibration", args.calibration]
    started = dt.datetime.now(dt.UTC)
    runs = {size: measure(args.backends, size, args.pages, rest)
            for size in (args.small, args.large)}
    lines = [f"# Report pages: {args.small * 10:,} vs {args.large * 10:,} evaluations "
             f"({started:%Y-%m-%d %H:%M UTC})", ""]
    m = runs[args.small]["machine"]
    lines += [f"- machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB; "
              f"load average at the start of each run: "
              f"{runs[args.small]['machine']['load_average_at_start']} (small), "
              f"{runs[args.large]['machine']['load_average_at_start']} (large)",
              f"- `wrk -t2 -c16 -d{args.duration}s` after {args.warmup} s warm-up, granian "
              "2 workers; datasets from bench.scale (seed 7, 10 evaluations per patient)",
              "- target: report req/s at the large dataset ≥ 0.9× its req/s at the small one",
              "- server CPU per request: the server's (and PostgreSQL backends') CPU seconds "
              "over the peak run ÷ its requests; its ratio small ÷ large is the throughput "
              "ratio the page would have alone on the machine (others' work moves it far less "
              "than req/s)",
              "",
              "| backend | dataset | page | req/s | server CPU ms/request | p99 ms "
              "| p99 ms at ½ peak | Fortunes req/s | others' CPU |",
              "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    summary: dict[str, Any] = {}
    for backend in args.backends.split(","):
        entries = {size: next((b for b in report["backends"] if b["backend"] == backend), None)
                   for size, report in runs.items()}
        names = list(dict.fromkeys(p["name"] for entry in entries.values() if entry
                                   for p in entry.get("pages", [])))
        if not names:
            reason = next((e.get("error") for e in entries.values() if e), None) or "no figures"
            lines.append(f"| {backend} | – | – | not measured: {reason} | | | | | |")
        for name in names:
            _page_lines(lines, summary, backend, name, entries, args.small, args.large)
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


def _page_lines(lines: list[str], summary: dict[str, Any], backend: str, name: str,
                entries: dict[int, Any], small: int, large: int) -> None:
    """The rows of one page on one backend, and its ratio large ÷ small."""
    figures: dict[int, float] = {}
    bases: dict[int, float] = {}
    costs: dict[int, float] = {}
    for size, entry in entries.items():
        page = next((p for p in (entry or {}).get("pages", [])
                     if p["name"] == name and p.get("measured")), None)
        if not entry or page is None:
            reason = next((p.get("reason") for p in (entry or {}).get("pages", [])
                           if p["name"] == name), None) or (entry or {}).get("error")
            lines.append(f"| {backend} | {size * 10:,} evaluations | {name} | not measured: "
                         f"{reason or 'no figures'} | | | | | |")
            continue
        figures[size] = page["peak"]["requests_per_second"]
        bases[size] = entry["baseline"]["peak"]["requests_per_second"]
        cpu = page["peak"].get("server_cpu_ms_per_request")
        if cpu:
            costs[size] = cpu
        half = page.get("half_peak") or {}
        foreign = page["peak"].get("foreign_cpu_share")
        lines.append(
            f"| {backend} | {size * 10:,} evaluations | `{page['path']}` | "
            f"{page['peak']['requests_per_second']:,.0f} | "
            f"{'–' if cpu is None else f'{cpu:.2f}'} | {page['peak']['p99_ms']:.1f} | "
            f"{half.get('p99_ms', float('nan')):.1f} | "
            f"{entry['baseline']['peak']['requests_per_second']:,.0f} | "
            f"{'–' if foreign is None else f'{foreign:.0%}'} |")
    if len(figures) == 2 and figures[small]:
        ratio = figures[large] / figures[small]
        summary[f"{backend}: {name}"] = round(ratio, 3)
        verdict = "meets" if ratio >= 0.9 else "does NOT meet"
        lines.append(f"| {backend} | **{name}: ratio large ÷ small** | | **{ratio:.2f}×** "
                     f"({verdict} the 0.9× target) | | | | | |")
        if bases.get(small) and bases.get(large):
            fair = ratio * bases[small] / bases[large]
            summary[f"{backend}: {name} (÷ Fortunes)"] = round(fair, 3)
            lines.append(f"| {backend} | **{name}: ratio of (page ÷ Fortunes)** | | "
                         f"**{fair:.2f}×** ({'meets' if fair >= 0.9 else 'does NOT meet'} "
                         "the target; corrects for the machine's drift) | | | | | |")
        if len(costs) == 2:
            alone = costs[small] / costs[large]
            summary[f"{backend}: {name} (server CPU per request, small ÷ large)"] = round(
                alone, 3)
            lines.append(f"| {backend} | **{name}: server CPU per request, small ÷ large** | | "
                         f"**{alone:.2f}×** ({'meets' if alone >= 0.9 else 'does NOT meet'} "
                         "the target as a cost) | | | | | |")


if __name__ == "__main__":
    sys.exit(main())
