"""Where one page's CPU goes under load: py-spy samples the only server worker while wrk loads it.

`python -m bench.profile_page [--backend sqlite|postgresql] [--page "20 posts"] [--seconds 20]`

A fresh database (`kindred demo --patients N`), Kindred served by granian with one worker,
the page found and checked as `bench.run` does (a `PAGES` entry chosen by a word of its
name; `--page cold:` is the cold thread page, rotating over the 1,000 threads of 20 posts
`bench.run` adds, so most cards are not kept), `wrk -t1 -c8` for `--seconds` while
`py-spy record --format raw` samples the worker (py-spy from the registry, installed once
into `var/bench/tools/`). The report gives the requests served, CPU per request (the
worker's user+system time ÷ requests; on PostgreSQL also its backends' for the database,
which py-spy does not see), and the samples grouped two ways: by where the innermost frame
is (self time per part of the stack) and by which of Kindred's functions they run under
(inclusive). Written to
`bench/results/<date>-profile-<backend>-<page>.md`; the raw stacks go to
`var/bench/profiles/` (not committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.harness import (
    RESULTS,
    ROOT,
    _database_pids,
    database_name,
    free_port,
    kindred_command,
    kindred_env,
    postgres_backend,
    postgres_url,
    prepare_kindred,
    serve,
    sign_in,
    sqlite_backend,
)
from bench.run import PAGES, Site, first_demo_patient, prepare_request
from community.demo import DEMO_PASSWORD

TOOLS = ROOT / "var" / "bench" / "tools"
PY_SPY = TOOLS / "bin" / "py-spy"

# Self time: the innermost frame's file decides the part (first match wins).
PARTS: list[tuple[str, str]] = [
    ("SQLite driver (sqlite3, Kindred's one-trip driver, aiosqlite)",
     r"sqlite3/|community/sqlite_driver|aiosqlite/"),
    ("asyncpg", r"asyncpg/"),
    ("SQLAlchemy ORM (objects, identity map, loading)", r"sqlalchemy/orm/"),
    ("SQLAlchemy core and engine (statements, results, pool)", r"sqlalchemy/"),
    ("advanced-alchemy", r"advanced_alchemy/"),
    ("Jinja2 runtime and compiled templates", r"jinja2/|<template>|templates/.*\.html"),
    ("markupsafe", r"markupsafe/"),
    ("Litestar (routing, middleware, responses)", r"litestar/|litestar_htmx/"),
    ("msgspec / json", r"msgspec|json/"),
    ("Babel / gettext", r"babel/|gettext"),
    ("asyncio event loop and threads", r"asyncio/|threading\.py|concurrent/|selectors"),
    ("Kindred's own code", r"/(community|outcomes|moderation)/"),
]

# Threads waiting, not working: py-spy samples every thread, and these leaves are blocking
# waits (a connection thread's queue, the thread pool, the event loop's epoll) or native
# threads without Python frames (granian's), and a writer waiting for its turn
# (community.sqlite_driver). SQLite's own busy handler sleeps inside `_run`'s statement, where
# py-spy cannot tell the sleep from work: profiles of concurrent writes before the writer lock
# counted those sleeps as SQLite's time.
IDLE = re.compile(r"aiosqlite/core\.py:59\)$|^Condition\.wait |concurrent/futures/thread\.py:81\)$"
                  r"|^EpollSelector\.select |^OneTripConnection\._begin_writing |^$")

# Where each working sample is, from its whole stack (first match wins). SQLAlchemy runs a
# statement's Python side in a greenlet whose stack does not reach the handler's: it starts
# at the session's method, or at the connection's for a statement run as Core.
PHASES: list[tuple[str, str]] = [
    ("SQLite's connection threads (running statements)", r"aiosqlite/core\.py"),
    # A statement run as Core on the session's connection (`AsyncConnection.execute`)
    # starts its greenlet at `Connection.execute`, not at the session.
    ("SQLAlchemy running statements (greenlets: compile cache, execute, rows, ORM)",
     r"^(Session|AsyncSession)\.\w+ \(.*sqlalchemy/orm/session\.py"
     r"|^Connection\.\w+ \(.*sqlalchemy/engine/base\.py"),
    ("templates (render)", r"^render \(.*community/web\.py"),
    ("route handler, outside SQL and templates", r"/routes\.py|community/pages\.py"),
    ("middleware, session, routing, response (event loop)", r"community/cli\.py"),
]


def ensure_py_spy() -> Path:
    if not PY_SPY.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS)], check=True)
        subprocess.run([str(TOOLS / "bin" / "pip"), "install", "--quiet", "py-spy==0.4.3"],
                       check=True)
    return PY_SPY


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu(database: str | None) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving `database` (none on SQLite,
    whose work is the worker's own)."""
    seconds = {}
    for pid in _database_pids(database) if database else []:
        try:
            seconds[pid] = cpu_seconds(pid)
        except (OSError, IndexError, ValueError):
            continue  # the backend ended meanwhile
    return seconds


def _frames(stack: str) -> list[str]:
    return [frame.strip() for frame in stack.split(";") if frame.strip()]


def summarise(raw: str) -> tuple[int, Counter[str], Counter[str], Counter[str]]:
    """(samples, self time per part, samples per phase, top leaf functions) from py-spy's
    raw format: `frame;frame;... count` per line."""
    parts: Counter[str] = Counter()
    under: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        frames = _frames(stack)
        leaf = frames[-1] if frames else ""
        if IDLE.search(leaf):
            continue
        total += count
        leaves[re.sub(r":\d+\)", ")", leaf)] += count
        parts[next((name for name, pattern in PARTS if re.search(pattern, leaf)),
                   "other (interpreter, C extensions, granian)")] += count
        under[next((name for name, pattern in PHASES
                    if any(re.search(pattern, frame) for frame in frames)),
                   "other threads (granian, background loops)")] += count
    return total, parts, under, leaves


def tables(raw: str, ms: float) -> list[str]:
    """The report's tables: self time per part, time per phase, the top innermost functions;
    `ms` is the CPU per request the shares are taken of."""
    total, parts, under, leaves = summarise(raw)
    return [
        "Self time (where the innermost frame is):",
        "",
        "| part | share | ms per request |",
        "|---|---:|---:|",
        *[f"| {name} | {count / total:.0%} | {ms * count / total:.2f} |"
          for name, count in parts.most_common()],
        "",
        "By phase (from the whole stack):",
        "",
        "| phase | share | ms per request |",
        "|---|---:|---:|",
        *[f"| {name} | {count / total:.0%} | {ms * count / total:.2f} |"
          for name, count in under.most_common()],
        "",
        "Top 25 innermost functions:",
        "",
        "| function | share |",
        "|---|---:|",
        *[f"| `{name}` | {count / total:.1%} |" for name, count in leaves.most_common(25)],
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_page", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--page", default="thread of 20 posts")
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    parser.add_argument("--label", default="", help="added to the result file's name")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--db-prefix", default="kindred_profile",
                        help="the PostgreSQL database's name begins with it")
    args = parser.parse_args(argv)
    page = next((p for p in PAGES if args.page.lower() in p.name.lower()), None)
    if page is None:
        raise SystemExit(f"no page named like {args.page!r}")
    py_spy = ensure_py_spy()
    workdir = Path(tempfile.mkdtemp(prefix="kindred-profile-"))
    started = dt.datetime.now(dt.UTC)
    if args.backend == "sqlite":
        backend = sqlite_backend(workdir)
    else:
        admin = postgres_url()
        if admin is None:
            raise SystemExit("no PostgreSQL server")
        backend = postgres_backend(admin, f"{args.db_prefix}_{os.getpid()}")
    try:
        env = kindred_env(backend.kindred_url, workdir / "var")
        prepare_kindred(env, args.patients, 7)
        port = free_port()
        command = kindred_command("serve", "--host", "127.0.0.1", "--port", str(port),
                                  "--workers", "1")
        (workdir / "logs").mkdir()
        with serve("kindred-profile", command, env, port, workdir / "logs") as server:
            member = sign_in(server.url, [first_demo_patient(7), "admin"], DEMO_PASSWORD)
            site = Site(server.url, member, backend.kindred_url)
            prepared = prepare_request(page, site)
            worker = server.worker_pids()[0]
            script = workdir / "load.lua"
            lua = [f'wrk.method = "{prepared.method}"']
            lua += [f'wrk.headers["{k}"] = "{v}"' for k, v in prepared.headers.items()]
            if prepared.body:
                lua += [f'wrk.body = "{prepared.body}"',
                        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"']
            lua.append(prepared.lua)
            script.write_text("\n".join(lua))
            subprocess.run(["wrk", "-t1", f"-c{args.connections}", "-d3s", "-s", str(script),
                            server.url + prepared.path], capture_output=True, check=True)
            raw_path = workdir / "stacks.txt"
            spy = subprocess.Popen([str(py_spy), "record", "--pid", str(worker), "--format",
                                    "raw", "--rate", str(args.rate),
                                    "--duration", str(round(args.seconds)), "--output",
                                    str(raw_path)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            database = database_name(backend.kindred_url)
            database_before = database_cpu(database)
            before = cpu_seconds(worker)
            load = subprocess.run(["wrk", "-t1", f"-c{args.connections}",
                                   f"-d{round(args.seconds) - 1}s", "-s", str(script),
                                   server.url + prepared.path],
                                  capture_output=True, text=True, check=True).stdout
            cpu = cpu_seconds(worker) - before
            # A backend that started during the run counts from zero.
            database_seconds = sum(seconds - database_before.get(pid, 0.0)
                                   for pid, seconds in database_cpu(database).items())
            spy.wait(timeout=args.seconds + 60)
        requests = int(re.search(r"(\d+) requests in", load).group(1))  # type: ignore[union-attr]
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", load).group(1))  # type: ignore[union-attr]
        raw = raw_path.read_text()
    finally:
        backend.drop()
    total = summarise(raw)[0]
    slug = re.sub(r"\W+", "-", page.name.lower()).strip("-")[:40]
    stem = args.output / (f"{started:%Y-%m-%d}-profile-{args.backend}-{slug}"
                          + (f"-{args.label}" if args.label else ""))
    ms = cpu / requests * 1000 if requests else 0.0
    database_ms = database_seconds / requests * 1000 if requests else 0.0
    lines = [
        f"# Profile: {page.name} on {args.backend}, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Kindred {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()}, "  # noqa: E501
        f"`kindred demo --patients {args.patients}`, granian 1 worker, "
        f"`wrk -t1 -c{args.connections}` for {round(args.seconds) - 1} s, "
        f"`py-spy record --rate {args.rate}` on the worker ",
        f"- load average at the end: {os.getloadavg()[0]:.2f} (the machine is shared: "
        "CPU per request is the steadier figure, req/s is not)",
        f"- {requests} requests, {rps:.0f} req/s; worker CPU {cpu:.2f} s: "
        f"**{ms:.2f} ms of CPU per request**; {total} samples of threads at work "
        "(waiting threads left out); shares below are of those",
        *([f"- PostgreSQL's backends for this database: {database_seconds:.2f} s, "
           f"**{database_ms:.2f} ms of CPU per request** (not sampled; worker and database "
           f"together: {ms + database_ms:.2f} ms)"] if args.backend != "sqlite" else []),
        "",
        *tables(raw, ms),
    ]
    args.output.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".md").write_text("\n".join(lines))
    stacks = ROOT / "var" / "bench" / "profiles"
    stacks.mkdir(parents=True, exist_ok=True)
    (stacks / f"{stem.name}.txt").write_text(raw)
    shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(lines))
    print(f"[profile] wrote {stem}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
