"""One page's cost counted in-process: Python calls, SQL statements and CPU per request.

`python -m bench.page_calls --database-url URL [--page "20 posts"] [--views 500]`

The app is built as `kindred serve` builds it (`create_app` from the environment) and its
ASGI callable is called directly, one request at a time on one event loop: no server, no
socket to the client, no load generator, so nothing else on a shared machine moves the
counts. The database must hold a demo (`kindred demo`, or `--prepare` makes a 500-patient
one first); the page is found as `bench.run` finds it (`PAGES`; the thread of 20 posts is
padded to 20; a cold page, e.g. `--page cold:`, rotates over its paths), signed in as the
demo's first patient through the real sign-in form. `--page fortunes` serves the
plain-driver Fortunes (`bench.baseline.plain`) instead, the reference of issue 18.

Per request: Python function calls (cProfile's count: deterministic for a given code and
data, the figure to compare between branches), SQL statements sent to the driver, and the
process's CPU time measured in a second pass without the profiler (moves with the machine's
load). `--top N` prints the functions with the most own time under the profiler; `--body FILE`
writes the page as served, to compare two versions of it (tokens aside).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.harness import (
    SECRET_KEY,
    database_name,
    kindred_env,
    prepare_baseline,
    prepare_kindred,
)
from bench.profile_page import database_cpu
from bench.run import PAGES, PageSpec, Site, first_demo_patient
from community.demo import DEMO_PASSWORD


class Asgi:
    """Requests straight to an ASGI app, with a cookie jar (no HTTP client in the counts)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, target: str, body: bytes = b"",
                      headers: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], bytes]:
        parts = urlsplit(target)
        raw = [(b"host", b"127.0.0.1"), (b"user-agent", b"bench.page_calls"),
               (b"accept", b"text/html")]
        if self.cookies:
            raw.append((b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())
                        .encode()))
        for key, value in (headers or {}).items():
            raw.append((key.lower().encode(), value.encode()))
        scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
                 "http_version": "1.1", "method": method, "scheme": "http",
                 "path": parts.path, "raw_path": parts.path.encode(),
                 "query_string": parts.query.encode(), "root_path": "", "headers": raw,
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
                 "state": {}}
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        status = 0
        answer: dict[str, list[str]] = {}
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for key, value in message.get("headers", []):
                    answer.setdefault(key.decode().lower(), []).append(value.decode())
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        for cookie in answer.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return status, answer, b"".join(chunks)


async def sign_in(client: Asgi, usernames: list[str]) -> str:
    for username in usernames:
        await client.request("GET", "/login")
        token = client.cookies.get("csrftoken", "")
        body = urlencode({"identifier": username, "password": DEMO_PASSWORD, "next": "/",
                          "_csrf_token": token}).encode()
        status, _, _ = await client.request(
            "POST", "/login", body, {"content-type": "application/x-www-form-urlencoded"})
        if status == 303 and "kindred_session" in client.cookies:
            return username
    raise SystemExit("could not sign in")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import event

    from community.app import create_app

    if args.page == "fortunes":
        from bench.baseline.plain import create_app as create_fortunes

        page = PageSpec("Fortunes, plain driver", "/fortunes")
        app = create_fortunes(args.database_url)
    else:
        page = next((p for p in PAGES if args.page.lower() in p.name.lower()), None)
        if page is None or page.method != "GET":
            raise SystemExit(f"no GET page named like {args.page!r}")
        app = create_app()
    client = Asgi(app)
    async with app.lifespan():
        member = None
        if page.needs_session:
            username = await sign_in(client, [first_demo_patient(7), "admin"])
            from bench.harness import Member
            member = Member(username, "", "")
        site = Site("http://127.0.0.1:8000", member, args.database_url)
        # Found outside the loop: `first_link` and `member_thread` use their own clients.
        # A cold page rotates over its paths (`bench.run`'s, e.g. the 1,000 added threads).
        paths = await asyncio.to_thread(
            lambda: page.rotate(site) if page.rotate is not None
            else [page.path(site) if callable(page.path) else page.path])
        path = paths[0]
        status, _, body = await client.request("GET", path)
        if status != page.expect_status:
            raise SystemExit(f"{path} answered {status}")
        turn = iter(itertools.cycle(paths))
        for _ in range(args.warmup):
            await client.request("GET", next(turn))
        runtime = getattr(app.state, "runtime", None)
        engine = runtime.engine.sync_engine if runtime else None
        statements = 0

        def count(*_args: Any) -> None:
            nonlocal statements
            statements += 1

        if engine is not None:
            event.listen(engine, "before_cursor_execute", count)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.views):
            await client.request("GET", next(turn))
        profile.disable()
        if engine is not None:
            event.remove(engine, "before_cursor_execute", count)
        stats = pstats.Stats(profile)
        calls = stats.total_calls  # type: ignore[attr-defined]
        cpu_runs = []
        database = database_name(args.database_url)
        backends_before = database_cpu(database)
        for _ in range(args.cpu_runs):
            started = time.process_time()
            for _ in range(args.views):
                await client.request("GET", next(turn))
            cpu_runs.append((time.process_time() - started) / args.views * 1000)
        # PostgreSQL's own work for these requests (its backends; a new one counts from 0).
        database_ms = sum(seconds - backends_before.get(pid, 0.0)
                          for pid, seconds in database_cpu(database).items()
                          ) / (args.views * args.cpu_runs) * 1000
    return {"path": path if len(paths) == 1 else f"{path} and {len(paths) - 1} more",
            "body": body, "bytes": len(body), "calls": calls / args.views,
            "statements": statements / args.views, "cpu_ms": cpu_runs, "stats": stats,
            "database_ms": database_ms if database else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.page_calls", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--prepare", action="store_true",
                        help="make the demo in the database first (`kindred db upgrade`, "
                             "`kindred demo --patients 500 --seed 7`)")
    parser.add_argument("--page", default="thread of 20 posts",
                        help='a word of a `bench.run` page name, or "fortunes" for the '
                             "plain-driver Fortunes (`bench.baseline.plain`) on a database "
                             "holding its `fortune` table")
    parser.add_argument("--views", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--cpu-runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--sort", default="tottime", help="pstats order for --top")
    parser.add_argument("--var-dir", type=Path, default=Path("var/bench/page_calls"))
    parser.add_argument("--body", type=Path, default=None,
                        help="write the page's first view to this file")
    args = parser.parse_args(argv)
    env = kindred_env(args.database_url, args.var_dir)
    if args.prepare:
        if args.page == "fortunes":
            prepare_baseline(args.database_url)
        else:
            prepare_kindred(env, 500, 7)
    os.environ.update({k: v for k, v in env.items() if k.startswith("KINDRED_")})
    os.environ["KINDRED_SECRET_KEY"] = SECRET_KEY
    result = asyncio.run(run(args))
    print(f"{result['path']} ({result['bytes']} bytes): "
          f"{result['calls']:.0f} Python calls, {result['statements']:.2f} statements, "
          f"CPU {' / '.join(f'{ms:.3f}' for ms in result['cpu_ms'])} ms per request"
          + (f", PostgreSQL's backends {result['database_ms']:.3f} ms"
             if result["database_ms"] is not None else "")
          + f" (load {os.getloadavg()[0]:.2f})")
    if args.body is not None:
        args.body.write_bytes(result["body"])
    if args.top:
        result["stats"].sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
