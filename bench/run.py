"""Page benchmark: Kindred's pages against the TechEmpower Fortunes baseline, per database.

`python -m bench.run` (what `make bench` runs). For each backend (SQLite; PostgreSQL when
KINDRED_BENCH_POSTGRES_URL is set or a server answers on 127.0.0.1:5432) it migrates a
fresh Kindred database, loads `kindred demo --patients N`, seeds the Fortunes table, serves
each app with granian (same worker count) on loopback and measures with wrk: peak
throughput and latency, then p99 at half of that peak. Results go to
bench/results/<UTC date>-pages.md and .json. See bench/README.md.

To benchmark a new page, add a PageSpec to PAGES. A path that depends on the data can be
found at run time: `first_link("/communities", r"/communities/[\\w-]+")` follows the first
matching link on a listing page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.harness import (
    RESULTS,
    ROOT,
    Backend,
    Member,
    csrf_cookie,
    database_name,
    error_lines,
    free_port,
    granian_command,
    kindred_command,
    kindred_env,
    machine,
    postgres_backend,
    postgres_url,
    prepare_baseline,
    prepare_kindred,
    probe,
    run_paced,
    run_wrk,
    serve,
    short_schema,
    sign_in,
    sqlite_backend,
)
from community.demo import DEMO_PASSWORD

BASELINE_PATH = "/fortunes"


@dataclass(frozen=True)
class Site:
    """What a path resolver may use to find a page in the demo data."""

    url: str
    member: Member | None
    database_url: str = ""

    def get(self, path: str, *, signed_in: bool = False) -> str:
        cookie = self.member.cookie_header if signed_in and self.member else ""
        status, body = probe(self.url + path, cookie=cookie)
        if status != 200:
            raise LookupError(f"GET {path} answered {status}")
        return body


PathSpec = str | Callable[[Site], str]


@dataclass(frozen=True)
class PageSpec:
    """One page to measure. POST pages send `form` plus the CSRF token on every request."""

    name: str
    path: PathSpec
    needs_session: bool = False
    method: str = "GET"
    form: Mapping[str, str] = field(default_factory=dict)
    expect_status: int = 200


def first_link(listing: str, pattern: str, *, signed_in: bool = False) -> Callable[[Site], str]:
    """A path found at run time: the first href on `listing` matching `pattern`."""

    def resolve(site: Site) -> str:
        html = site.get(listing, signed_in=signed_in)
        for href in re.findall(r'href="([^"]+)"', html):
            if re.fullmatch(pattern, href):
                return str(href)
        raise LookupError(f"no link matching {pattern} on {listing}")

    return resolve


def db_rows(database_url: str, sql: str, **params: Any) -> list[Any]:
    """Run one statement on the benchmark's Kindred database (to find pages in the data)."""
    import asyncio

    from sqlalchemy import text

    from community.db import make_engine

    async def run() -> list[Any]:
        engine = make_engine(database_url, pool=False)
        try:
            async with engine.begin() as connection:
                result = await connection.execute(text(sql), params)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _one(site: Site, sql: str, what: str, **params: Any) -> Any:
    rows = db_rows(site.database_url, sql, **params)
    if not rows:
        raise LookupError(f"no {what} in the data")
    return rows[0][0]


def biggest_community(site: Site) -> str:
    """The thread list of the community with the most members."""
    slug = _one(site, "SELECT slug FROM community ORDER BY member_count DESC, id LIMIT 1",
                "community")
    return f"/communities/{slug}"


def member_thread(posts: int, *, rank: int = 0) -> Callable[[Site], str]:
    """A thread the signed-in member can read (a community they belong to), with at least
    `posts` published posts: the demo's longest threads have 15, so the benchmark adds copies
    of the thread's last reply until it has `posts` (the thread page shows 20 per page).
    `rank` picks the next-longest threads (the reply benchmark writes to its own thread)."""

    def resolve(site: Site) -> str:
        from sqlalchemy import insert

        from community.communities.models import Post

        if site.member is None:
            raise LookupError("no signed-in member")
        thread_id = _one(site, """
            SELECT t.id FROM thread t
            JOIN community_membership m ON m.community_id = t.community_id
            JOIN user_account u ON u.id = m.user_id AND u.username = :username
            WHERE t.status = 'published' ORDER BY t.reply_count DESC, t.id
            LIMIT 1 OFFSET :rank""", "thread in the member's communities",
                         username=site.member.username, rank=rank)
        present = _one(site, "SELECT count(*) FROM post WHERE thread_id = :t "
                             "AND status = 'published'", "post", t=thread_id)
        if posts and present < posts:
            last = db_rows(site.database_url, """
                SELECT author_id, body, body_html, created_at FROM post
                WHERE thread_id = :t AND status = 'published' ORDER BY id DESC LIMIT 1""",
                           t=thread_id)[0]
            import asyncio

            from community.db import make_engine

            async def pad() -> None:
                engine = make_engine(site.database_url, pool=False)
                try:
                    async with engine.begin() as connection:
                        await connection.execute(insert(Post), [
                            {"thread_id": thread_id, "author_id": last[0], "body": last[1],
                             "body_html": last[2], "status": "published", "screen_labels": [],
                             "screen_spans": [], "version": 1, "helpful_count": 0,
                             "hugs_count": 0}
                            for _ in range(posts - present)])
                        from sqlalchemy import text
                        await connection.execute(text(
                            "UPDATE thread SET reply_count = :n WHERE id = :t"),
                            {"n": posts - 1, "t": thread_id})
                finally:
                    await engine.dispose()

            asyncio.run(pad())
        return f"/threads/{thread_id}"

    return resolve


def most_evaluated_treatment(site: Site) -> str:
    slug = _one(site, """
        SELECT t.slug FROM treatment_evaluation e JOIN catalog_treatment t
        ON t.id = e.treatment_id GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 1""",
                "evaluated treatment")
    return f"/treatments/{slug}"


def most_common_condition(site: Site) -> str:
    slug = _one(site, """
        SELECT c.slug FROM treatment_course_purpose p JOIN catalog_condition c
        ON c.id = p.condition_id GROUP BY c.slug ORDER BY count(*) DESC, c.slug LIMIT 1""",
                "condition with treatment courses")
    return f"/conditions/{slug}"


def narrowed_treatment_report(site: Site) -> str:
    """The most evaluated treatment narrowed to people like one patient (issue 16)."""
    return most_evaluated_treatment(site) + "?sex=female&age_band=55-74"


def treatment_comparison(site: Site) -> str:
    """The most common condition's three most taken treatments side by side."""
    condition = most_common_condition(site).rsplit("/", 1)[1]
    slugs = [row[0] for row in db_rows(site.database_url, """
        SELECT t.slug FROM treatment_course_purpose p
        JOIN catalog_condition c ON c.id = p.condition_id AND c.slug = :condition
        JOIN treatment_course tc ON tc.id = p.course_id
        JOIN catalog_treatment t ON t.id = tc.treatment_id
        GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 3""", condition=condition)]
    if len(slugs) < 2:
        raise LookupError("fewer than two treatments for the most common condition")
    return f"/conditions/{condition}/compare?" + "&".join(f"t={slug}" for slug in slugs)


def reply_path(site: Site) -> str:
    return member_thread(0, rank=1)(site) + "/replies"


PAGES: list[PageSpec] = [
    PageSpec("home", "/"),
    PageSpec("communities", "/communities"),
    PageSpec("sign-in form", "/login"),
    PageSpec("account settings (signed in)", "/account", needs_session=True),
    PageSpec("thread list (largest community)", biggest_community),
    PageSpec("thread of 20 posts (signed in)", member_thread(20), needs_session=True),
    PageSpec("treatment report (most evaluated)", most_evaluated_treatment),
    PageSpec("condition page (most common)", most_common_condition),
    PageSpec("narrowed treatment report (people like me)", narrowed_treatment_report),
    PageSpec("treatment comparison (three, most common condition)", treatment_comparison),
    PageSpec("search", "/search?q=methotrexate"),
    PageSpec("reply (POST, signed in)", reply_path, method="POST",
             form={"body": "Thank you for writing this, it helps to know I am not alone."},
             needs_session=True, expect_status=303),
]


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    backends: list[str]
    patients: int
    seed: int
    duration: float
    half_duration: float
    warmup: float
    calibration: float
    threads: int
    connections: int
    workers: int
    pages: list[PageSpec]
    members: list[str]
    output: Path
    keep: bool
    scale: int = 0
    evaluations_per_patient: int = 10


def first_demo_patient(seed: int) -> str:
    """The demo's first patient (community.demo draws names from one seeded generator)."""
    from community.demo import demo_username

    return demo_username(random.Random(seed), 0)


def measure(url: str, options: Options, workdir: Path, **request: Any) -> dict[str, Any]:
    """Warm up, take the peak, then hold half of it and take the latency there."""
    run_wrk(url, seconds=options.warmup, threads=options.threads,
            connections=options.connections, workdir=workdir, **request)
    peak = run_wrk(url, seconds=options.duration, threads=options.threads,
                   connections=options.connections, workdir=workdir, **request)
    result: dict[str, Any] = {"peak": peak.summary()}
    if peak.requests_per_second <= 0:
        result["half_peak"] = None
        return result
    target = peak.requests_per_second / 2
    half, calibrations = run_paced(
        url, target_rps=target, seconds=options.half_duration,
        calibration_seconds=options.calibration, threads=options.threads,
        connections=options.connections, workdir=workdir, **request,
    )
    result["half_peak"] = {
        **half.summary(),
        "target_rps": round(target, 1),
        "fraction_of_peak": round(half.requests_per_second / peak.requests_per_second, 3),
        "calibration_runs": [
            {"rps": c.requests_per_second, "delay_ms": c.delay_ms} for c in calibrations
        ],
    }
    return result


def errors_in(result: dict[str, Any]) -> int:
    total = 0
    for key in ("peak", "half_peak"):
        run = result.get(key)
        if run:
            total += run["status_errors"] + run["socket_errors"] + run["timeouts"]
    return total


class NotMeasurable(Exception):
    """The page cannot be measured as specified; the message says why."""


@dataclass(frozen=True)
class PreparedRequest:
    path: str
    method: str
    headers: dict[str, str]
    body: str


def prepare_request(page: PageSpec, site: Site) -> PreparedRequest:
    """Resolve the path, add the session, CSRF token and form; check the answer once.

    In a form, "{member}" stands for the signed-in member's username.
    """
    member = site.member
    if page.needs_session and member is None:
        raise NotMeasurable("no signed-in member (sign-in failed)")
    try:
        path = page.path if isinstance(page.path, str) else page.path(site)
    except LookupError as exc:
        raise NotMeasurable(f"page not found in the data: {exc}") from exc
    headers: dict[str, str] = {}
    body = ""
    if page.needs_session and member:
        headers["Cookie"] = member.cookie_header
    if page.method != "GET":
        token = member.csrf_token if page.needs_session and member else csrf_cookie(site.url)
        if not page.needs_session:
            headers["Cookie"] = f"csrftoken={token}"
        headers["x-csrftoken"] = token
        username = member.username if member else ""
        form = {k: v.replace("{member}", username) for k, v in page.form.items()}
        body = urlencode({**form, "_csrf_token": token})
    sent = dict(headers)
    if body:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    status, _ = probe(site.url + path, method=page.method, body=body.encode() or None,
                      headers=sent)
    if status != page.expect_status:
        raise NotMeasurable(f"{page.method} {path} answered {status}, not {page.expect_status}")
    return PreparedRequest(path, page.method, headers, body)


def measure_page(page: PageSpec, site: Site, options: Options, workdir: Path,
                 baseline: dict[str, Any], server_pids: list[int],
                 server_database: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": page.name, "method": page.method,
                             "needs_session": page.needs_session}
    try:
        prepared = prepare_request(page, site)
    except NotMeasurable as exc:
        return {**entry, "measured": False, "reason": str(exc)}
    path = entry["path"] = prepared.path
    request = {"headers": prepared.headers, "method": prepared.method, "body": prepared.body,
               "server_pids": server_pids, "server_database": server_database}
    result = measure(site.url + path, options, workdir, **request)
    if result["peak"]["requests"] == 0:
        return {**entry, "measured": False, **result,
                "reason": f"no request completed during the {options.duration:g} s peak run"}
    entry.update(measured=True, **result)
    entry["errors"] = errors_in(result)
    base_peak, base_half = baseline["peak"], baseline.get("half_peak")
    entry["throughput_vs_baseline"] = ratio(result["peak"]["requests_per_second"],
                                            base_peak["requests_per_second"])
    entry["p99_vs_baseline"] = ratio(result["peak"]["p99_ms"], base_peak["p99_ms"])
    if result.get("half_peak") and base_half:
        entry["half_peak_p99_vs_baseline"] = ratio(result["half_peak"]["p99_ms"],
                                                   base_half["p99_ms"])
    return entry


def ratio(value: float, reference: float) -> float | None:
    return round(value / reference, 3) if reference else None


def bench_backend(backend: Backend, options: Options, workdir: Path) -> dict[str, Any]:
    report: dict[str, Any] = {"backend": backend.name, "version": backend.version}
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    prepare_baseline(backend.baseline_url)
    env = kindred_env(backend.kindred_url, workdir / f"var-{backend.name}")
    if options.scale:
        report["kindred_schema"] = "the bench.scale dataset's (see its results file)"
        dataset = database_name(backend.kindred_url) or backend.kindred_url
        report["demo"] = (f"bench.scale dataset {dataset} "
                          f"({options.scale} patients, {options.evaluations_per_patient} "
                          "evaluations per patient, seed 7); built beforehand\n")
        report["prepare_seconds"] = 0.0
    else:
        prepared = prepare_kindred(env, options.patients, options.seed)
        report["kindred_schema"] = prepared.schema
        report["demo"] = prepared.demo
        report["prepare_seconds"] = round(prepared.seconds, 1)

    baseline_env = {**os.environ, "PYTHONPATH": str(ROOT),
                    "BENCH_DATABASE_URL": backend.baseline_url}
    port = free_port()
    with serve(f"baseline-{backend.name}",
               granian_command("bench.baseline.app:create_app", port, options.workers),
               baseline_env, port, logs, ready_path=BASELINE_PATH) as server:
        status, html = probe(server.url + BASELINE_PATH)
        if status != 200 or "Additional fortune added at request time." not in html:
            raise RuntimeError(f"the Fortunes baseline answered {status}:\n{html[:500]}")
        baseline = measure(server.url + BASELINE_PATH, options, workdir,
                           server_pids=[server.process.pid, *server.worker_pids()],
                           server_database=database_name(backend.baseline_url))
        baseline["errors"] = errors_in(baseline)
        baseline["server_errors_logged"] = server.errors_logged()
    report["baseline"] = baseline

    port = free_port()
    serve_command = kindred_command("serve", "--host", "127.0.0.1", "--port", str(port),
                                    "--workers", str(options.workers))
    with serve(f"kindred-{backend.name}", serve_command, env, port, logs) as server:
        member = None
        try:
            member = sign_in(server.url, options.members, DEMO_PASSWORD)
            report["member"] = member.username
        except RuntimeError as exc:
            report["member"] = f"none: {exc}"
        site = Site(server.url, member, backend.kindred_url)
        pids = [server.process.pid, *server.worker_pids()]
        report["pages"] = []
        for page in options.pages:
            print(f"[bench] {backend.name}: {page.name}", file=sys.stderr)
            try:
                entry = measure_page(page, site, options, workdir, baseline, pids,
                                     database_name(backend.kindred_url))
            except Exception as exc:  # one broken page must not lose the others' figures
                traceback.print_exc()
                entry = {"name": page.name, "measured": False, "reason": f"failed: {exc}"}
            report["pages"].append(entry)
        report["kindred_server_errors_logged"] = server.errors_logged()
        if report["kindred_server_errors_logged"]:
            report["kindred_server_errors"] = server.error_summary()
    return report


# ---------------------------------------------------------------------------------------
# Report


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _row(name: str, result: dict[str, Any], vs_rps: float | None, vs_p99: float | None) -> str:
    peak = result["peak"]
    half = result.get("half_peak")
    half_text = "–"
    if half:
        half_text = (f"{_ms(half['p99_ms'])} ({half['requests_per_second']:,.0f} req/s, "
                     f"{half['fraction_of_peak']:.0%} of peak)")
    foreign = peak.get("foreign_cpu_share")
    others = "–" if foreign is None else f"{foreign:.0%}"
    return (f"| {name} | {peak['requests_per_second']:,.0f} | {_ms(peak['p50_ms'])} | "
            f"{_ms(peak['p99_ms'])} | {_x(vs_rps)} | {_x(vs_p99)} | {half_text} | "
            f"{result.get('errors', 0)} | {others} |")


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    o = report["options"]
    lines = [
        f"# Page benchmark, {report['started']}",
        "",
        f"- machine: {m['cpu_model']}, {m['cpu_cores']} cores ({m['cpus_usable']} usable), "
        f"{m['memory_gib']} GiB, {m['platform']}",
        f"- load average when the run started: {m['load_average_at_start']}",
        f"- software: Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}, "
        f"granian {m['granian']}, Litestar {m['litestar']}, SQLAlchemy {m['sqlalchemy']}, "
        f"{m['wrk']}; Kindred {m['kindred_commit']}",
        f"- load: `wrk -t{o['threads']} -c{o['connections']} -d{o['duration']}s --latency` "
        f"after a {o['warmup']} s warm-up; servers: granian, {o['workers']} workers, loopback; "
        f"the load generator shares the machine's CPUs with the server",
        f"- p99 at half of peak: {report['half_peak_method']}",
        f"- data: `kindred demo --patients {o['patients']} --seed {o['seed']}`",
        "",
        "Ratios compare each page with the Fortunes baseline measured minutes earlier on the "
        "same machine, database and server: req/s vs Fortunes = page req/s ÷ Fortunes req/s "
        "(higher is better), p99 vs Fortunes = page p99 ÷ Fortunes p99 at peak (lower is "
        "better). Errors count non-2xx/3xx answers, socket errors and timeouts over both runs. "
        "Others' CPU is the share of the machine's CPU time that processes other than the "
        "server, its PostgreSQL backends and wrk used during the peak run: above a few "
        "percent, the machine was shared and the figures are noisier.",
    ]
    for backend in report["backends"]:
        lines += ["", f"## {backend['backend']} {backend.get('version', '')}", ""]
        if "error" in backend:
            lines += [f"Not measured: {backend['error']}"]
            continue
        lines += [
            f"- schema from: {short_schema(backend['kindred_schema'])}",
            f"- demo data: {' / '.join(backend['demo'].splitlines()[:-1]) or backend['demo']} "
            f"(prepared in {backend['prepare_seconds']} s)",
            f"- signed-in pages use: {backend.get('member', '–')}",
            "",
            "| page | req/s | p50 ms | p99 ms | req/s vs Fortunes | p99 vs Fortunes "
            "| p99 ms at ½ peak | errors | others' CPU |",
            "|---|---:|---:|---:|---:|---:|---|---:|---:|",
            _row(f"Fortunes baseline (`{BASELINE_PATH}`)", backend["baseline"], 1.0, 1.0),
        ]
        missing = []
        for page in backend["pages"]:
            if page.get("measured"):
                lines.append(_row(f"{page['name']} (`{page['method']} {page['path']}`)", page,
                                  page["throughput_vs_baseline"], page["p99_vs_baseline"]))
            else:
                missing.append(f"- {page['name']}: not measured: {page['reason']}")
        if missing:
            lines += ["", *missing]
        if backend.get("kindred_server_errors_logged"):
            lines += ["", f"Kindred logged {backend['kindred_server_errors_logged']} errors "
                      "during the run:", *error_lines(backend.get("kindred_server_errors", []))]
    lines += ["", "Raw figures, commands and calibration runs: the JSON file beside this one.", ""]
    return "\n".join(lines)


HALF_PEAK_WRK = (
    "wrk2 is not installed, so wrk keeps the same connections and pauses between requests "
    "(a Lua delay() calibrated by up to four short runs) to hold about half of the peak rate; the "
    "rate reached is shown. wrk is closed-loop: a slow answer delays the next request rather "
    "than queueing it, so this p99 is a lower bound (coordinated omission)."
)
HALF_PEAK_WRK2 = "wrk2 -R at half of the peak rate (constant rate, latency corrected)."


# ---------------------------------------------------------------------------------------


def scale_backend(backend: Backend, options: Options) -> Backend:
    """The same backend with the bench.scale dataset as the Kindred database."""
    from dataclasses import replace

    from bench import scale

    url = scale.database_url(backend.name, options.scale, options.evaluations_per_patient)
    if not scale.exists(url):
        print(f"[bench] building the scale dataset {url}", file=sys.stderr)
        scale.build(backend.name, options.scale, 7, options.evaluations_per_patient)
    return replace(backend, kindred_url=url)


def parse_options(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="",
                        help="comma-separated: sqlite,postgresql (default: sqlite, plus "
                             "postgresql when reachable)")
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--duration", type=float, default=10, help="seconds per peak run")
    parser.add_argument("--half-duration", type=float, default=None,
                        help="seconds per half-peak run (default: --duration)")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--calibration", type=float, default=3,
                        help="seconds per calibration run of the half-peak pause")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pages", default="", help="only pages whose name contains one of "
                                                    "these comma-separated words")
    parser.add_argument("--member", default="",
                        help="username for signed-in pages (default: first demo patient, "
                             "then admin)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--scale", type=int, default=0, metavar="N",
                        help="use the bench.scale dataset of N patients (built first when "
                             "missing) instead of a fresh `kindred demo`; the run adds rows "
                             "to it (sessions, views, replies)")
    parser.add_argument("--evaluations-per-patient", type=int, default=10,
                        help="with --scale: which scale dataset (default 10)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory and PostgreSQL databases")
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b] or ["sqlite", "postgresql"]
    words = [w.strip().lower() for w in args.pages.split(",") if w.strip()]
    pages = [p for p in PAGES if not words or any(w in p.name.lower() for w in words)]
    members = [args.member] if args.member else [first_demo_patient(args.seed), "admin"]
    return Options(
        backends=backends, patients=args.patients, seed=args.seed, duration=args.duration,
        half_duration=args.half_duration or args.duration, warmup=args.warmup,
        calibration=args.calibration, threads=args.threads, connections=args.connections,
        workers=args.workers, pages=pages, members=members, output=args.output,
        keep=args.keep, scale=args.scale,
        evaluations_per_patient=args.evaluations_per_patient,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="kindred-bench-"))
    pg_url = postgres_url() if "postgresql" in options.backends else None
    report: dict[str, Any] = {
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "options": {k: v for k, v in vars(options).items() if k not in {"pages", "output"}},
        "pages_requested": [p.name for p in options.pages],
        "half_peak_method": HALF_PEAK_WRK2 if shutil.which("wrk2") else HALF_PEAK_WRK,
        "machine": machine(None),
        "backends": [],
    }
    try:
        for name in options.backends:
            if name == "sqlite":
                backend = sqlite_backend(workdir)
            elif name == "postgresql":
                if pg_url is None:
                    report["backends"].append({"backend": "postgresql", "error":
                                               "no server (set KINDRED_BENCH_POSTGRES_URL or "
                                               "start one on 127.0.0.1:5432)"})
                    continue
                backend = postgres_backend(pg_url)
                report["machine"]["postgresql"] = backend.version
            else:
                raise SystemExit(f"unknown backend {name!r}")
            if options.scale:
                backend = scale_backend(backend, options)
            print(f"[bench] {name}: preparing databases", file=sys.stderr)
            try:
                report["backends"].append(bench_backend(backend, options, workdir))
            except Exception as exc:  # report what failed; keep the other backend's figures
                traceback.print_exc()
                report["backends"].append({"backend": name, "version": backend.version,
                                           "error": f"{type(exc).__name__}: {exc}"})
            finally:
                if not options.keep:
                    backend.drop()
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"[bench] work directory kept: {workdir}", file=sys.stderr)
    report["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    options.output.mkdir(parents=True, exist_ok=True)
    stem = options.output / f"{started:%Y-%m-%d}-pages"
    text = markdown(report)
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(text)
    print(f"[bench] wrote {stem}.md and {stem}.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
