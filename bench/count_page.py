"""Deterministic costs of one page: Python function calls and SQL statements per request.

`python -m bench.count_page [--backend sqlite|postgresql] [--page home|search|list|condition]
[--views 300] [--top 25]`

A fresh database (`kindred demo --patients N --seed 7`, as `bench.profile_page` builds it), the
app created in this process and driven through its ASGI interface (httpx's ASGI transport, one
event loop, no server), the page found as `bench.run` finds it and viewed `--views` times after
a warm-up, under `cProfile`. Unlike a sampling profile on a shared machine, the counts do not
move with the load: the number of Python function calls per request (cProfile's, C functions
included), the SQL statements per request (SQLAlchemy's `before_cursor_execute`, so statements
SQLite runs on the event loop are counted too), and the functions with the most calls. Timing
is given too, in-process, for what it is worth. Written to
`bench/results/<date>-count-<backend>-<page>[-label].md`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    RESULTS,
    ROOT,
    kindred_env,
    postgres_backend,
    postgres_url,
    prepare_kindred,
    sqlite_backend,
    unused_stem,
)
from bench.run import Site, biggest_community, first_demo_patient, most_common_condition
from community.demo import DEMO_PASSWORD

# page word -> (path resolver, signed in)
PAGES: dict[str, tuple[Any, bool]] = {
    "home": (lambda site: "/", True),
    "search": (lambda site: "/search?q=methotrexate", False),
    "list": (biggest_community, False),
    "condition": (most_common_condition, False),
}


async def _count(app: Any, path: str, signed_in: bool, views: int, top: int
                 ) -> dict[str, Any]:
    import logging

    import httpx
    from sqlalchemy import event

    logging.getLogger("httpx").setLevel(logging.WARNING)

    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport,
                                                 base_url="http://127.0.0.1") as client:
        if signed_in:
            await client.get("/login")
            token = client.cookies.get("csrftoken")
            response = await client.post("/login", data={
                "identifier": first_demo_patient(7), "password": DEMO_PASSWORD,
                "_csrf_token": token or ""})
            if response.status_code != 303:
                raise SystemExit(f"sign-in answered {response.status_code}")
        for _ in range(20):
            response = await client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"GET {path} answered {response.status_code}")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        view = _viewer(app, path, cookie)
        engine = app.state.runtime.engine.sync_engine
        statements: list[str] = []

        def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        profile = cProfile.Profile()
        started, cpu = time.perf_counter(), time.process_time()
        profile.enable()
        for _ in range(views):
            await view()
        profile.disable()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        event.remove(engine, "before_cursor_execute", record)
        # Timing without the profiler's overhead.
        started_plain = time.process_time()
        for _ in range(views):
            await view()
        plain_cpu = time.process_time() - started_plain
        status, size = await view()
        page = b"".join(view.body)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
    stats = pstats.Stats(profile)
    calls = sum(row[1] for row in stats.stats.values())  # type: ignore[attr-defined]
    by_calls = sorted(stats.stats.items(),  # type: ignore[attr-defined]
                      key=lambda item: item[1][1], reverse=True)[:top]
    by_cumulative = sorted(stats.stats.items(),  # type: ignore[attr-defined]
                           key=lambda item: item[1][3], reverse=True)
    kindred = [item for item in by_cumulative
               if re.search(r"/(community|outcomes|moderation)/", item[0][0])][:top]
    groups: dict[str, int] = {}
    for key, row in stats.stats.items():  # type: ignore[attr-defined]
        group = _group(key[0])
        groups[group] = groups.get(group, 0) + row[1]
    distinct: dict[str, int] = {}
    for statement in statements:
        key = " ".join(statement.split())[:160]
        distinct[key] = distinct.get(key, 0) + 1
    return {"calls": calls / views, "statements": len(statements) / views,
            "distinct": distinct, "views": views, "wall_ms": wall / views * 1000,
            "cpu_ms_profiled": cpu / views * 1000, "cpu_ms": plain_cpu / views * 1000,
            "bytes": size, "by_calls": by_calls, "kindred": kindred, "profile": profile,
            "page": page,            "groups": sorted(groups.items(), key=lambda item: -item[1])}


def _viewer(app: Any, path: str, cookie: str) -> Any:
    """One GET of `path` straight through the ASGI interface (no HTTP client's own work in
    the counts): its status and body size."""
    route, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"count_page")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))

    body: list[bytes] = []

    async def view() -> tuple[int, int]:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": route, "raw_path": route.encode(),
                 "query_string": query.encode(), "root_path": "", "headers": list(headers),
                 "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80)}
        status, size = 0, 0
        body.clear()

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                body.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, size

    view.body = body  # type: ignore[attr-defined]
    return view


GROUPS = [("templates (compiled Jinja2)", r"templates/|<template>"), ("Jinja2", r"jinja2/"),
          ("markupsafe", r"markupsafe/"), ("SQLAlchemy", r"sqlalchemy/"),
          ("advanced-alchemy", r"advanced_alchemy/"), ("Litestar", r"litestar"),
          ("SQLite driver", r"sqlite3|aiosqlite|sqlite_driver"), ("asyncpg", r"asyncpg"),
          ("Kindred", r"/(community|outcomes|moderation)/"), ("Babel", r"babel/"),
          ("asyncio", r"asyncio/"), ("Python's library", r"/lib/python3"),
          ("built-in functions", r"^~$")]


def _group(filename: str) -> str:
    return next((name for name, pattern in GROUPS if re.search(pattern, filename)), "other")


def _where(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    short = re.sub(r".*/site-packages/", "", filename)
    short = re.sub(rf"^{re.escape(str(ROOT))}/", "", short)
    return f"{short}:{line} {name}" if line else name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.count_page", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--page", default="home", choices=sorted(PAGES))
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--database-url", default="",
                        help="an existing demo database to use instead of building one")
    parser.add_argument("--label", default="")
    parser.add_argument("--body", type=Path, default=None,
                        help="also write the page's last answer there (to compare pages)")
    parser.add_argument("--stats", type=Path, default=None,
                        help="also write cProfile's statistics there (for pstats)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="kindred-count-"))
    backend = None
    if args.database_url:
        url = args.database_url
    elif args.backend == "sqlite":
        backend = sqlite_backend(workdir)
        url = backend.kindred_url
    else:
        admin = postgres_url()
        if admin is None:
            raise SystemExit("no PostgreSQL server")
        backend = postgres_backend(admin, f"p25_count_{os.getpid()}")
        url = backend.kindred_url
    try:
        env = kindred_env(url, workdir / "var")
        if not args.database_url:
            prepare_kindred(env, args.patients, 7)
        os.environ.update(env)
        resolve, signed_in = PAGES[args.page]
        path = resolve(Site("", None, url))
        from community.app import create_app

        app = create_app()
        result = asyncio.run(_count(app, path, signed_in, args.views, args.top))
        if args.body is not None:
            args.body.write_bytes(result["page"])
        if args.stats is not None:
            result["profile"].dump_stats(args.stats)
    finally:
        if backend is not None:
            backend.drop()
    started = dt.datetime.now(dt.UTC)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [
        f"# Counts: {args.page} (`{path}`{', signed in' if signed_in else ''}) on "
        f"{args.backend}, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Kindred {commit}, `kindred demo --patients {args.patients}`, in-process (ASGI), "
        f"{result['views']} views after 20 warm-up views; load average "
        f"{os.getloadavg()[0]:.2f}",
        f"- **{result['calls']:.0f} Python function calls per request** (cProfile), "
        f"**{result['statements']:.2f} SQL statements per request**, page {result['bytes']} "
        "bytes",
        f"- in-process CPU per request {result['cpu_ms']:.2f} ms without the profiler "
        f"({result['cpu_ms_profiled']:.2f} ms with it); moves with the machine's load",
        "",
        "| calls per request | where |",
        "|---:|---|",
        *(f"| {count / result['views']:.0f} | {group} |" for group, count in result["groups"]),
        "",
        "| statements per request | SQL (first 160 characters) |",
        "|---:|---|",
        *(f"| {count / result['views']:.2f} | `{sql}` |"
          for sql, count in result["distinct"].items()),
        "",
        "| calls per request | function (most called) |",
        "|---:|---|",
        *(f"| {row[1] / result['views']:.1f} | {_where(key)} |"
          for key, row in result["by_calls"]),
        "",
        "| cumulative ms per request (profiled) | calls | Kindred's function |",
        "|---:|---:|---|",
        *(f"| {row[3] / result['views'] * 1000:.3f} | {row[1] / result['views']:.1f} | "
          f"{_where(key)} |" for key, row in result["kindred"]),
    ]
    slug = args.page + (f"-{args.label}" if args.label else "")
    # A second run the same day writes beside the first (`-2`, `-3`, ...).
    stem = unused_stem(args.output / f"{started:%Y-%m-%d}-count-{args.backend}-{slug}")
    args.output.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"[count] wrote {stem}.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
