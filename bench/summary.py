"""Write bench/results/SUMMARY.md from the newest result files (nothing is typed in by hand).

`python -m bench.summary` reads the newest `*-pages.json`, every `*-report-scaling-*.json`,
`*-export-*.json` and `*-scale-*.json` in bench/results and writes one short page with the
machine, the load averages and a verdict against each target.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.harness import RESULTS


def newest(pattern: str) -> list[Path]:
    """The result files matching `pattern`, oldest first by the time each run recorded
    (a fresh clone gives every file the same modification time)."""
    def started(path: Path) -> tuple[str, str]:
        try:
            recorded = str(load(path).get("started") or "")
        except (OSError, ValueError):
            recorded = ""
        return recorded or path.name[:10], path.name

    return sorted(RESULTS.glob(pattern), key=started)


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def _whole_run(report: dict[str, Any]) -> bool:
    """Every page on both databases with Spirit, on the demo (what `make bench` runs)."""
    from bench.run import PAGES

    options = report.get("options", {})
    return (len(options.get("backends", [])) == 2 and bool(options.get("spirit", True))
            and not options.get("scale")
            and set(report.get("pages_requested", [])) >= {page.name for page in PAGES})


def pages_section(path: Path) -> list[str]:
    report = load(path)
    m = report["machine"]
    o = report["options"]
    data = (f"bench.scale {o['scale']} patients" if o.get("scale")
            else f"kindred demo --patients {o['patients']}")
    lines = [
        f"## Pages under load ({path.name}, {report['started']})", "",
        f"Machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB; load "
        f"average at the start {m['load_average_at_start']} (1 and 5 min). wrk -t{o['threads']} "
        f"-c{o['connections']}, {o['duration']} s per peak run, granian {o['workers']} workers. "
        f"Data: {data}.",
        "",
        "| backend | page | req/s | × plain Fortunes | × ORM Fortunes | × Spirit signed in "
        "| p99 ms at ½ peak | others' CPU | load | targets (issue 18) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    from bench.run import verdict

    def row(backend: str, name: str, entry: dict[str, Any], verdicts: str) -> str:
        half = (entry.get("half_peak") or {}).get("p99_ms")
        ratios = [entry.get(f"throughput_vs_{k}") for k in ("plain", "baseline", "spirit")]
        return (f"| {backend} | {name} | {entry['peak']['requests_per_second']:,.0f} | "
                + " | ".join("–" if r is None else f"{r:.2f}" for r in ratios)
                + f" | {'–' if half is None else f'{half:.1f}'} | {_share(entry['peak'])} | "
                f"{entry['peak'].get('load_average', '–')} | {verdicts} |")

    for backend in report["backends"]:
        name = backend["backend"]
        if "error" in backend:
            lines.append(f"| {name} | – | not measured: {backend['error']} | | | | | | | |")
            continue
        for label, entry in (("Fortunes, plain driver", backend.get("baseline_plain")),
                             ("Fortunes, ORM", backend["baseline"]),
                             ("Spirit topic page (signed in)",
                              (backend.get("spirit") or {}).get("signed in")),
                             ("Spirit topic page (signed out)",
                              (backend.get("spirit") or {}).get("signed out"))):
            if entry and entry.get("peak"):
                lines.append(row(name, f"*{label}*", entry, ""))
        for page in backend["pages"]:
            if not page.get("measured"):
                lines.append(f"| {name} | {page['name']} | not measured: "
                             f"{page.get('reason', '')} | | | | | | | |")
                continue
            lines.append(row(name, page["name"], page, verdict(page, name)))
    return lines


def _share(peak: dict[str, Any]) -> str:
    value = peak.get("foreign_cpu_share")
    return "–" if value is None else f"{value:.0%}"


def _measured_pages(run: dict[str, Any], backend: str) -> tuple[dict[str, Any], Any] | None:
    entry = next((b for b in run["backends"] if b["backend"] == backend), None)
    if not entry or "baseline" not in entry:
        return None
    return {p["name"]: p for p in entry.get("pages", []) if p.get("measured")}, entry["baseline"]


def _met(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}× {'met' if ratio >= 0.9 else 'NOT met'}"


def scaling_section(paths: list[Path]) -> list[str]:
    lines = ["## Report pages at scale (target: large ≥ 0.9× small)", "",
             "| run | backend | page | req/s small → large | raw ratio | ratio of (page ÷ "
             "Fortunes) | server CPU ms/request small → large | CPU ratio small ÷ large "
             "| load avg |",
             "|---|---|---|---|---:|---:|---|---:|---|"]
    for path in paths:
        data = load(path)
        sizes = sorted(data["runs"], key=int)
        small, large = (data["runs"][k] for k in (sizes[0], sizes[-1]))
        run = f"{path.name} ({int(sizes[0]) * 10:,} → {int(sizes[-1]) * 10:,} evaluations)"
        for backend in [b["backend"] for b in small["backends"]]:
            a, b = _measured_pages(small, backend), _measured_pages(large, backend)
            if not a or not b or not a[0]:
                lines.append(f"| {run} | {backend} | not measured | | | | | | |")
                continue
            fa, fb = (x[1]["peak"]["requests_per_second"] for x in (a, b))
            for name, page in a[0].items():
                other = b[0].get(name)
                if other is None:
                    lines.append(f"| {run} | {backend} | {name} | not measured at the large "
                                 "size | | | | | |")
                    continue
                ra, rb = page["peak"]["requests_per_second"], other["peak"]["requests_per_second"]
                ca = page["peak"].get("server_cpu_ms_per_request")
                cb = other["peak"].get("server_cpu_ms_per_request")
                raw, norm = rb / ra, (rb / fb) / (ra / fa)
                lines.append(
                    f"| {run} | {backend} | {name} | {ra:,.0f} → {rb:,.0f} | {_met(raw)} | "
                    f"{_met(norm)} | "
                    + (f"{ca:.2f} → {cb:.2f} | {_met(ca / cb)}" if ca and cb else "– | –")
                    + f" | {small['machine']['load_average_at_start']} → "
                    f"{large['machine']['load_average_at_start']} |")
    return [*lines, "", "On this shared machine the Fortunes baseline moves between runs; the "
            "ratio of (page ÷ Fortunes) corrects for that, and the server's CPU per request "
            "(measured since 2026-12-07) is what a page costs, which other people's work "
            "moves far less than its throughput. All are shown.", ""]


def interleaved_section(paths: list[Path]) -> list[str]:
    lines = ["## Report pages at scale, interleaved (target: large ≥ 0.9× small)", "",
             "Both datasets served at once and measured in alternation, so both sides of each "
             "ratio met the same machine; medians over the rounds.", "",
             "| run | backend | page | req/s ratio large ÷ small | server CPU per request, "
             "small ÷ large | load avg start → end |", "|---|---|---|---:|---:|---|"]
    for path in paths:
        data = load(path)
        for backend, entry in data["backends"].items():
            for page in entry["runs"]:
                ratio, cost = entry[f"{page}: ratio"], entry[f"{page}: CPU ratio"]
                lines.append(f"| {path.name} | {backend} | {page} | {_met(ratio)} | "
                             f"{_met(cost)} | {data['machine']['load_average_at_start']} → "
                             f"{data['load_at_end']} |")
    return [*lines, ""]


def export_section(paths: list[Path]) -> list[str]:
    lines = ["## Research export", ""]
    for path in paths:
        report = load(path)
        floor = sum(g["seconds"] for g in report["group_by"][-1].values()) \
            if report["group_by"] else None
        export = report["exports"][-1]["seconds"] if report["exports"] else None
        state = f" **partial**: {report['partial']}" if report.get("partial") else ""
        lines.append(
            f"- {report['backend']}, {report['patients']:,} patients ({path.name}, load "
            f"{report['machine']['load_average_at_start']} → {report['load_at_end']}): whole "
            f"catalogue export job {'not finished' if export is None else f'{export:.1f} s'}; "
            f"plain GROUP BY queries {'–' if floor is None else f'{floor:.1f} s'}"
            + (f" (export ÷ GROUP BY = {export / floor:.0f}×)" if export and floor else "")
            + state)
    return [*lines, ""]


def scale_section(paths: list[Path]) -> list[str]:
    lines = ["## Data at scale", "", "| backend | patients | evaluations | posts | build time | "
             "slowest step | load avg start → end |", "|---|---:|---:|---:|---:|---|---|"]
    for path in paths:
        report = load(path)
        rows = report["rows"]
        slowest = max(report["steps"], key=lambda s: s["seconds"])
        lines.append(
            f"| {report['backend']} | {report['patients']:,} | "
            f"{rows.get('treatment_evaluation', 0):,} | {rows.get('post', 0):,} | "
            f"{report['total_seconds'] / 60:.1f} min | {slowest['step']} "
            f"{slowest['seconds']:.0f} s | {report['machine']['load_average_at_start']} → "
            f"{report['load_at_end']} |")
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__)
    parser.add_argument("--note", action="append", default=[],
                        help="a line for the Notes section (what was not run, and why)")
    args = parser.parse_args(argv)
    lines = ["# Benchmark summary", "",
             "Generated by `python -m bench.summary` from the result files named below; every "
             "figure is in those files. The load averages and others' CPU in each section say "
             "how quiet the machine was; on a shared machine the figures are noisy, lower "
             "bounds on throughput.", ""]
    # The latest run of every page (not one narrowed with --pages, nor a scale dataset).
    pages = [path for path in newest("*-pages*.json")
             if _whole_run(load(path))]
    if pages:
        lines += [*pages_section(pages[-1]), ""]
    scaling = [p for p in newest("*-report-scaling-*.json") if "-interleaved-" not in p.name]
    if scaling:
        lines += scaling_section(scaling)
    interleaved = newest("*-report-scaling-interleaved-*.json")
    if interleaved:
        lines += interleaved_section(interleaved)
    exports = newest("*-export-*.json")
    if exports:
        lines += export_section(exports)
    scales = [p for p in newest("*-scale-*.json")]
    if scales:
        lines += scale_section(scales)
    if args.note:
        lines += ["## Notes", "", *(f"- {note}" for note in args.note), ""]
    (RESULTS / "SUMMARY.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
