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
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import run
from bench.harness import RESULTS, unused_stem


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
    parser.add_argument("--interleaved", type=int, default=0, metavar="ROUNDS",
                        help="instead: both datasets served at once, their runs alternated "
                             "for ROUNDS rounds (see interleaved())")
    args = parser.parse_args(argv)
    if args.interleaved:
        return interleaved(args)
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
    stem = unused_stem(args.output / (f"{started:%Y-%m-%d}-report-scaling-"
                                      f"{args.backends.replace(',', '-')}-{args.large}"))
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


def interleaved(args: argparse.Namespace) -> int:
    """Both datasets served side by side and measured in alternation, `args.interleaved`
    rounds of one peak run per page and dataset (small then large, then large then small),
    so both meet the same machine: on a shared one, two runs minutes apart differ by a third
    whatever they measure. Per page: the median req/s and server CPU per request of each
    dataset over the rounds, and their ratios (target ≥ 0.9×). No Fortunes baseline: both
    sides of each ratio were measured under the same conditions."""
    import statistics
    from contextlib import ExitStack

    from bench import scale
    from bench.harness import (
        database_name,
        free_port,
        kindred_command,
        kindred_env,
        machine,
        probe,
        run_wrk,
        serve,
    )

    words = [w.strip().lower() for w in args.pages.split(",") if w.strip()]
    pages = [p for p in run.PAGES if not p.needs_session and p.method == "GET"
             and any(w in p.name.lower() for w in words)]
    started = dt.datetime.now(dt.UTC)
    seconds = float(args.duration)
    report: dict[str, Any] = {"started": f"{started:%Y-%m-%d %H:%M UTC}",
                              "machine": machine(None), "rounds": args.interleaved,
                              "seconds_per_run": seconds, "backends": {}}
    lines = [f"# Report pages, interleaved: {args.small * 10:,} vs {args.large * 10:,} "
             f"evaluations ({started:%Y-%m-%d %H:%M UTC})", "",
             f"- machine: {report['machine']['cpu_model']}, {report['machine']['cpu_cores']} "
             f"cores; load average at the start {report['machine']['load_average_at_start']}",
             f"- both datasets served at once (granian, 2 workers each); {args.interleaved} "
             f"rounds, each one `wrk -t2 -c16 -d{seconds:g}s` per page on each dataset, "
             "small first in odd rounds and large first in even ones, after one checking "
             f"request and {args.warmup} s of warm-up per page and dataset",
             "- figures are medians over the rounds; server CPU per request is the server's "
             "(and PostgreSQL backends') CPU ÷ its requests",
             "- target: large ≥ 0.9× small", "",
             "| backend | page | req/s small → large | ratio | server CPU ms/request small → "
             "large | ratio small ÷ large | others' CPU (median) |",
             "|---|---|---|---:|---|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="kindred-interleaved-") as folder:
        workdir = Path(folder)
        for backend in args.backends.split(","):
            urls = {size: scale.database_url(backend, size, 10)
                    for size in (args.small, args.large)}
            for size, url in urls.items():
                if not scale.exists(url):
                    scale.build(backend, size, 7, 10)
            with ExitStack() as stack:
                servers = {}
                for size, url in urls.items():
                    port = free_port()
                    servers[size] = stack.enter_context(serve(
                        f"kindred-{backend}-{size}",
                        kindred_command("serve", "--host", "127.0.0.1", "--port", str(port),
                                        "--workers", "2"),
                        kindred_env(url, workdir / f"var-{backend}-{size}"), port, workdir))
                runs: dict[str, dict[int, list[Any]]] = {}
                paths: dict[tuple[str, int], str] = {}
                for page in pages:
                    for size, server in servers.items():
                        site = run.Site(server.url, None, urls[size])
                        path = page.path(site) if callable(page.path) else page.path
                        status, _body = probe(server.url + path)
                        if status != 200:
                            raise RuntimeError(f"{page.name} on {size}: HTTP {status}")
                        paths[page.name, size] = path
                        run_wrk(server.url + path, seconds=float(args.warmup), threads=2,
                                connections=16, workdir=workdir)
                    runs[page.name] = {size: [] for size in servers}
                for round_number in range(args.interleaved):
                    order = list(servers) if round_number % 2 == 0 else list(servers)[::-1]
                    for page in pages:
                        for size in order:
                            server = servers[size]
                            print(f"[interleaved] {backend} round {round_number + 1}: "
                                  f"{page.name}, {size * 10:,} evaluations", file=sys.stderr)
                            result = run_wrk(
                                server.url + paths[page.name, size], seconds=seconds,
                                threads=2, connections=16, workdir=workdir,
                                server_pids=[server.process.pid, *server.worker_pids()],
                                server_database=database_name(urls[size]))
                            runs[page.name][size].append(result.summary())
            report["backends"][backend] = {"paths": {f"{n} @ {s}": p
                                                     for (n, s), p in paths.items()},
                                           "runs": runs}
            for page in pages:
                small, large = (runs[page.name][size] for size in (args.small, args.large))

                def median(results: list[Any], key: str) -> float:
                    return statistics.median(r[key] or 0.0 for r in results)

                rps = [median(r, "requests_per_second") for r in (small, large)]
                cpu = [median(r, "server_cpu_ms_per_request") for r in (small, large)]
                foreign = median(small + large, "foreign_cpu_share")
                ratio, cost = rps[1] / rps[0], cpu[0] / cpu[1] if cpu[1] else 0.0
                report["backends"][backend][f"{page.name}: ratio"] = round(ratio, 3)
                report["backends"][backend][f"{page.name}: CPU ratio"] = round(cost, 3)
                lines.append(
                    f"| {backend} | {page.name} | {rps[0]:,.0f} → {rps[1]:,.0f} | "
                    f"**{ratio:.2f}×** {'met' if ratio >= 0.9 else 'NOT met'} | "
                    f"{cpu[0]:.2f} → {cpu[1]:.2f} | **{cost:.2f}×** "
                    f"{'met' if cost >= 0.9 else 'NOT met'} | {foreign:.0%} |")
    report["load_at_end"] = [round(x, 2) for x in os.getloadavg()[:2]]
    lines += ["", f"Load average at the end: {report['load_at_end']}. Every run: the JSON file "
              "beside this one.", ""]
    args.output.mkdir(parents=True, exist_ok=True)
    stem = unused_stem(args.output / (f"{started:%Y-%m-%d}-report-scaling-interleaved-"
                                      f"{args.backends.replace(',', '-')}-{args.large}"))
    stem.with_suffix(".md").write_text("\n".join(lines))
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
