"""Soak: a long run at half of peak with reads and writes, watching each worker's memory.

`python -m bench.soak` (not part of `make test`; 20 minutes by default). It prepares a
fresh Kindred database with demo data, serves it with granian, measures the peak of the
request mix, then holds half of it for the whole run while sampling the resident memory
(VmRSS from /proc) of every granian worker. The report gives errors (non-2xx/3xx answers,
socket errors, timeouts, tracebacks in the server log, worker restarts) and memory growth
per worker. Results: bench/results/<UTC date>-soak.md and .json.

Add to MIX as pages land; in a form, "{member}" stands for the signed-in member's username.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import (
    RESULTS,
    calibrate_pause,
    database_name,
    error_lines,
    free_port,
    kindred_command,
    kindred_env,
    lua_string,
    machine,
    postgres_backend,
    postgres_url,
    prepare_kindred,
    rss_kib,
    run_wrk,
    serve,
    short_schema,
    sign_in,
    sqlite_backend,
)
from bench.run import (
    NotMeasurable,
    PageSpec,
    Site,
    first_demo_patient,
    member_thread,
    prepare_request,
    reply_path,
)
from community.demo import DEMO_PASSWORD


@dataclass(frozen=True)
class MixItem:
    weight: int
    page: PageSpec


MIX: list[MixItem] = [
    MixItem(4, PageSpec("home", "/")),
    MixItem(2, PageSpec("communities", "/communities")),
    MixItem(1, PageSpec("sign-in form", "/login")),
    MixItem(3, PageSpec("account settings", "/account", needs_session=True)),
    MixItem(3, PageSpec("thread (signed in)", member_thread(0), needs_session=True)),
    MixItem(1, PageSpec("search", "/search?q=methotrexate")),
    # The write that matters most: a reply (screening, notifications, counters, audit).
    MixItem(1, PageSpec("reply (write)", reply_path, method="POST", needs_session=True,
                        expect_status=303,
                        form={"body": "Thank you for writing this, it helps to know I am "
                                      "not alone."})),
    # A write on every path: a new session row, the audit entry, the password check.
    MixItem(1, PageSpec("sign in (write)", "/login", method="POST", expect_status=303,
                        form={"identifier": "{member}", "password": DEMO_PASSWORD,
                              "next": "/"})),
]

MIX_LUA = """
local items = %(items)s
local cumulative, prepared, total = {}, {}, 0
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(thread_id * 7919)
  for i, item in ipairs(items) do
    total = total + item.weight
    cumulative[i] = total
    prepared[i] = wrk.format(item.method, item.path, item.headers, item.body)
  end
  statuses = {}
end

function request()
  local r = math.random() * total
  for i, edge in ipairs(cumulative) do
    if r <= edge then return prepared[i] end
  end
  return prepared[#prepared]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function bench_extra_done()
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses") or {}) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  for status, count in pairs(merged) do
    io.write(string.format("BENCH_STATUS %%d %%d\\n", status, count))
  end
end
"""


def _lua_table(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua_string(k)}] = {_lua_table(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(_lua_table(v) for v in value) + "}"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return "nil"
    return lua_string(str(value))


def build_requests(site: Site) -> tuple[list[dict[str, Any]], list[str]]:
    """The mix as wrk requests, each checked once; the ones that do not answer are left out."""
    requests, skipped = [], []
    for item in MIX:
        try:
            prepared = prepare_request(item.page, site)
        except NotMeasurable as exc:
            skipped.append(f"{item.page.name}: {exc}")
            continue
        headers = dict(prepared.headers)
        if prepared.body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        requests.append({"name": item.page.name, "weight": item.weight,
                         "method": prepared.method, "path": prepared.path,
                         "headers": headers, "body": prepared.body or None})
    return requests, skipped


def mix_lua(requests: list[dict[str, Any]]) -> str:
    items = [{k: v for k, v in r.items() if k != "name"} for r in requests]
    return MIX_LUA % {"items": _lua_table(items)}


def statuses_from(raw: str) -> dict[int, int]:
    counts: dict[int, int] = {}
    for line in raw.splitlines():
        if line.startswith("BENCH_STATUS "):
            _, status, count = line.split()
            counts[int(status)] = counts.get(int(status), 0) + int(count)
    return counts


def slope_mib_per_hour(samples: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of RSS (KiB) over time (s), in MiB per hour."""
    if len(samples) < 3:
        return None
    times = [t for t, _ in samples]
    values = [v for _, v in samples]
    try:
        slope = statistics.linear_regression(times, values).slope
    except statistics.StatisticsError:
        return None
    return round(slope * 3600 / 1024, 2)


def memory_report(samples: dict[int, list[tuple[float, int]]],
                  seconds: float) -> list[dict[str, Any]]:
    """Per worker: growth from the second quarter (warmed up) to the last quarter.

    Medians over each quarter, because RSS jumps by tens of MiB for a moment whenever a
    password is hashed (argon2 allocates its memory cost per hash).
    """
    workers = []
    for pid, series in sorted(samples.items()):
        if not series:
            continue

        def quarter(index: int, series: list[tuple[float, int]] = series) -> float | None:
            values = [v for t, v in series
                      if index * seconds / 4 <= t < (index + 1) * seconds / 4 + 1]
            return round(statistics.median(values) / 1024, 1) if values else None

        warm, last = quarter(1), quarter(3)
        after_warmup = [s for s in series if s[0] >= seconds / 4]
        workers.append({
            "pid": pid,
            "samples": len(series),
            "rss_start_mib": round(series[0][1] / 1024, 1),
            "rss_second_quarter_median_mib": warm,
            "rss_last_quarter_median_mib": last,
            "rss_max_mib": round(max(v for _, v in series) / 1024, 1),
            "growth_mib": round(last - warm, 1) if warm is not None and last is not None
            else None,
            "slope_after_first_quarter_mib_per_hour": slope_mib_per_hour(after_warmup),
        })
    return workers


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    run = report.get("run") or {}
    lines = [
        f"# Soak, {report['started']}",
        "",
        f"- machine: {m['cpu_model']}, {m['cpu_cores']} cores, {m['memory_gib']} GiB, "
        f"{m['platform']}; Python {m['python']}, SQLite {m['sqlite']}, "
        f"PostgreSQL {m['postgresql']}, granian {m['granian']}; Kindred {m['kindred_commit']}",
        f"- backend: {report['backend']}; schema from {short_schema(report.get('schema', '–'))}",
        f"- data: {report.get('demo', '–').splitlines()[0] if report.get('demo') else '–'}",
        "- mix (weight, request): "
        + "; ".join(f"{r['weight']}× {r['method']} {r['path']} ({r['name']})"
                    for r in report.get("requests", [])),
    ]
    for skipped in report.get("skipped", []):
        lines.append(f"- left out of the mix: {skipped}")
    if "error" in report:
        lines += ["", f"**The soak did not complete: {report['error']}**"]
    if run:
        by_status = ", ".join(f"{k}: {v:,}" for k, v in report["statuses"].items())
        lines += [
            f"- peak of the mix: {report['peak_rps']:,.0f} req/s "
            f"({report['peak_method']}); target half: {report['target_rps']:,.0f} req/s",
            "",
            "## Load",
            "",
            "| measure | value |",
            "|---|---:|",
            f"| duration | {run['seconds']:.0f} s |",
            f"| requests | {run['requests']:,} |",
            f"| rate reached | {run['requests_per_second']:,.1f} req/s |",
            f"| p50 / p99 / max latency | {run['p50_ms']:.2f} / {run['p99_ms']:.2f} / "
            f"{run['max_ms']:.1f} ms |",
            f"| answers by status | {by_status} |",
            f"| non-2xx/3xx answers | {run['status_errors']:,} |",
            f"| socket errors / timeouts | {run['socket_errors']:,} / {run['timeouts']:,} |",
            f"| errors in the server log | {report['server_errors_logged']} |",
            f"| worker processes seen | {report['worker_pids_seen']} "
            f"(a restart adds one) |",
            f"| others' CPU share during the run | {run['foreign_cpu_share']} |",
            "",
            "## Memory per worker (VmRSS)",
            "",
            "| worker pid | samples | start MiB | 2nd quarter median MiB "
            "| last quarter median MiB | max MiB | growth MiB | slope after 1st quarter MiB/h |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for w in report["memory"]:
            lines.append(f"| {w['pid']} | {w['samples']} | {w['rss_start_mib']} | "
                         f"{w['rss_second_quarter_median_mib']} | "
                         f"{w['rss_last_quarter_median_mib']} | {w['rss_max_mib']} | "
                         f"{w['growth_mib']} | "
                         f"{w['slope_after_first_quarter_mib_per_hour']} |")
        if report.get("server_errors"):
            lines += ["", "## Errors in the server log", "",
                      *error_lines(report["server_errors"])]
        lines += ["", f"Half-peak method: {report['half_peak_method']}"]
    lines += ["", "Samples and raw figures: the JSON file beside this one.", ""]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rate", type=float, default=None,
                        help="requests/s to hold (default: half of the measured peak)")
    parser.add_argument("--peak-seconds", type=float, default=10)
    parser.add_argument("--sample-seconds", type=float, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="kindred-soak-"))
    report: dict[str, Any] = {"started": started.strftime("%Y-%m-%d %H:%M UTC"),
                              "backend": args.backend, "options": vars(args) | {
                                  "output": str(args.output)},
                              "machine": machine(None)}
    backend = None
    try:
        if args.backend == "postgresql":
            url = postgres_url()
            if url is None:
                raise RuntimeError("no PostgreSQL (set KINDRED_BENCH_POSTGRES_URL)")
            backend = postgres_backend(url)
            report["machine"]["postgresql"] = backend.version
        else:
            backend = sqlite_backend(workdir)
        env = kindred_env(backend.kindred_url, workdir / "var")
        prepared = prepare_kindred(env, args.patients, args.seed)
        report["database_name"] = database_name(backend.kindred_url)
        report.update(schema=prepared.schema, demo=prepared.demo)
        port = free_port()
        command = kindred_command("serve", "--host", "127.0.0.1", "--port", str(port),
                                  "--workers", str(args.workers))
        logs = workdir / "logs"
        logs.mkdir()
        with serve("kindred-soak", command, env, port, logs) as server:
            soak(server, args, report, workdir, backend.kindred_url)
    except Exception as exc:  # the report says what failed, with what was measured so far
        report["error"] = f"{type(exc).__name__}: {exc}"
        print(f"[soak] failed: {report['error']}", file=sys.stderr)
    finally:
        if backend is not None:
            backend.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    args.output.mkdir(parents=True, exist_ok=True)
    stem = args.output / f"{started:%Y-%m-%d}-soak"
    text = markdown(report)
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(text)
    return 1 if "error" in report else 0


def soak(server: Any, args: argparse.Namespace, report: dict[str, Any], workdir: Path,
         database_url: str) -> None:
    member = sign_in(server.url, [first_demo_patient(args.seed), "admin"], DEMO_PASSWORD)
    # Paths found in the data (the member's thread to read and reply to) read the database.
    site = Site(server.url, member, database_url)
    requests, skipped = build_requests(site)
    report.update(requests=[{k: v for k, v in r.items() if k not in {"headers", "body"}}
                            for r in requests], skipped=skipped)
    if not requests:
        raise RuntimeError("no request of the mix answered as expected")
    lua = mix_lua(requests)
    pids = [server.process.pid, *server.worker_pids()]
    common = {"threads": args.threads, "connections": args.connections, "workdir": workdir,
              "extra_lua": lua, "server_pids": pids,
              "server_database": report.get("database_name")}
    url = server.url + "/"
    run_wrk(url, seconds=3, **common)
    if args.rate:
        report.update(peak_rps=float("nan"), peak_method="not measured: --rate given")
        target = args.rate
    else:
        peak = run_wrk(url, seconds=args.peak_seconds, **common)
        report.update(peak_rps=peak.requests_per_second,
                      peak_method=f"{peak.command}, {peak.seconds:.0f} s")
        target = peak.requests_per_second / 2
    report["target_rps"] = round(target, 1)

    samples: dict[int, list[tuple[float, int]]] = {}
    seen: set[int] = set()
    began = time.monotonic()

    def sample() -> None:
        now = time.monotonic() - began
        for pid in server.worker_pids():
            seen.add(pid)
            rss = rss_kib(pid)
            if rss is not None:
                samples.setdefault(pid, []).append((round(now, 1), rss))

    seconds = args.minutes * 60
    if shutil.which("wrk2"):
        report["half_peak_method"] = "wrk2 -R (constant rate)"
        sample()
        result = run_wrk(url, seconds=seconds, rate=target, monitor=sample,
                         monitor_every=args.sample_seconds, **common)
    else:
        pause, calibrations = calibrate_pause(url, target_rps=target, calibration_seconds=5,
                                              **common)
        report["half_peak_method"] = (
            f"wrk with a Lua delay() of {pause:.2f} ms per connection, calibrated on "
            f"{len(calibrations)} short runs (closed loop: see bench/README.md)")
        began = time.monotonic()
        sample()
        result = run_wrk(url, seconds=seconds, delay_ms=pause, monitor=sample,
                         monitor_every=args.sample_seconds, **common)
    sample()
    report["run"] = result.summary()
    report["statuses"] = {str(k): v for k, v in sorted(statuses_from(result.raw).items())}
    report["server_errors_logged"] = server.errors_logged()
    if report["server_errors_logged"]:
        report["server_errors"] = server.error_summary()
    report["worker_pids_seen"] = len(seen)
    report["memory"] = memory_report(samples, result.seconds)
    report["samples"] = {str(pid): series for pid, series in samples.items()}


if __name__ == "__main__":
    sys.exit(main())
