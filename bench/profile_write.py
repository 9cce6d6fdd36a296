"""Where one reply's time goes, in-process: each part of the request measured apart.

`python -m bench.profile_write [--patients 500] [--replies 200] [--followers 20] [--calls]`

A fresh SQLite demo (`kindred demo --patients N`), the app built in this process and driven
through Litestar's AsyncTestClient (statements are timed from SQLAlchemy's cursor events:
wall time with the trip to the connection's thread). Two replies are measured, each
`--replies` times after a warm-up:

- **held**: the member `bench.run`'s reply row uses (the first demo patient, below the
  first-posts threshold, so every reply is premoderated: held, a review item reopened,
  its history and an audit entry) in the thread `bench.run` replies to;
- **published**: a member past the threshold, in a thread of their community that
  `--followers` other members of it follow (added for this run): the reply is published,
  counted on the thread and fans out one notification per follower.

Per reply: CPU (this process, all threads ÷ replies), wall time, how long SQLite's write lock
was held (BEGIN IMMEDIATE to COMMIT), statements and their time (with those written later:
`community.db.write_later`, counted apart),
and the wall time of each part (the read phase with the screening and the Markdown, the
write phase with the re-checks, the review item, mentions, notifications, audit, the form
receipt; the session, the commit, the redirect), each
function wrapped with a timer; one reply at a time, so wall time is that part's own.
Written to `bench/results/<date>-profile-write-sqlite[-label].md`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import os
import pstats
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.harness import RESULTS, ROOT, kindred_env, prepare_kindred

WRITE_LOCK = "write lock held"
DELIVERY_LOCK = "write lock held by the outbox's delivery"
DELIVERY = "after the response: the outbox row delivered (its own write transaction)"
# Set while the outbox's delivery runs (one reply at a time): its write turn is its own.
_delivering = {"now": False}
REPLY = "Thank you for writing this, it helps to know I am not alone."

# (part, module, attribute): each wrapped to add its wall time (inclusive: parts nest).
# Functions another module imported by name are wrapped where they are called from.
PARTS: list[tuple[str, str, str]] = [
    ("the whole request in the app (middleware, handler, response)", "litestar.app",
     "Litestar.__call__"),
    ("the route handler with its arguments (`_call_handler_function`)", "litestar.routes.http",
     "HTTPRoute._call_handler_function"),
    ("  form parsed", "community.communities.routes", "form_data"),
    ("the response sent (headers, cookies, body)", "litestar.response.base",
     "ASGIResponse.__call__"),
    ("session cookie resolved", "community.web", "SessionMiddleware._resolve"),
    ("read phase: `prepare_reply` (the steps below and the rest)",
     "community.communities.services", "prepare_reply"),
    ("  screening (the pipeline)", "moderation.screening.pipeline", "PipelineScreener.screen"),
    ("  Markdown validated", "community.communities.services", "validate_markdown"),
    ("  Markdown rendered", "community.communities.services", "render_markdown"),
    ("read phase: thread, membership and published posts (before w32 also the re-check)",
     "community.communities.services", "_thread_to_reply_in"),
    ("write phase: the re-check sent to go with the receipt's claim (`recheck_reply`, w32)",
     "community.communities.services", "recheck_reply"),
    ("penalty check of its own (`ensure_can_post`; since w22 in the write phase's thread "
     "statement instead)", "community.communities.services", "ensure_can_post"),
    ("write phase begun (read transaction ended, BEGIN IMMEDIATE, receipt claimed)",
     "community.communities.routes", "begin_writing"),
    ("  form receipt claimed", "community.accounts.receipts", "claim"),
    ("write phase: `write_reply` (the steps below and the rest)",
     "community.communities.services", "write_reply"),
    ("  review item for held content", "community.communities.services",
     "_open_review_if_needed"),
    ("  follow the thread", "community.communities.services", "follow"),
    ("  draft discarded", "community.communities.services", "discard_draft"),
    ("  thread counters", "community.communities.services", "_count_published_reply"),
    (DELIVERY, "community.communities.outbox", "deliver"),
    ("  who hears of it, read first (`owed_notifications`; before w23 `reply_notifications`)",
     "community.communities.outbox", "reply_notifications|owed_notifications"),
    ("  notifications written (`write_notifications`)", "community.communities.outbox",
     "write_notifications"),
    ("  notifications: mentions (before w22)", "community.communities.services",
     "_notify_mentions"),
    ("  notifications: followers (before w22)", "community.communities.services",
     "_notify_reply_followers"),
    ("  notifications written (notify, notify_each; before w22)",
     "community.communities.services", "notify|notify_each"),
    ("audit entry (every caller)", "community.audit", "record"),
    ("route: mentions for the message (since w22 in the read phase)",
     "community.communities.routes", "resolve_mentions"),
    ("route: the flash message and the redirect", "community.communities.routes",
     "redirect_with_message"),
    ("commit", "sqlalchemy.ext.asyncio", "AsyncSession.commit"),
]


def _wrap_parts(spent: Counter[str], cpu: Counter[str]) -> None:
    """Wrap every part's function so each call adds its wall time to `spent[part]` and the
    CPU time of the thread it runs in (the app's event loop: not SQLite's connection thread)
    to `cpu[part]`."""
    import importlib
    import inspect

    for part, module_name, attribute in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:  # measuring an earlier version that lacks the part
            continue
        for name in attribute.split("|"):
            owner: Any = module
            *path, leaf = name.split(".")
            for step in path:
                owner = getattr(owner, step)
            original = getattr(owner, leaf, None)
            if original is None:
                continue
            if inspect.iscoroutinefunction(original):
                async def timed(*args: Any, _f: Any = original, _p: str = part,
                                **kwargs: Any) -> Any:
                    started, on_cpu = time.perf_counter(), time.thread_time()
                    _delivering["now"] = _delivering["now"] or _p == DELIVERY
                    try:
                        return await _f(*args, **kwargs)
                    finally:
                        spent[_p] += time.perf_counter() - started
                        cpu[_p] += time.thread_time() - on_cpu
                        if _p == DELIVERY:
                            _delivering["now"] = False
            else:
                def timed(*args: Any, _f: Any = original, _p: str = part,  # type: ignore[misc]
                          **kwargs: Any) -> Any:
                    started, on_cpu = time.perf_counter(), time.thread_time()
                    try:
                        return _f(*args, **kwargs)
                    finally:
                        spent[_p] += time.perf_counter() - started
                        cpu[_p] += time.thread_time() - on_cpu
            setattr(owner, leaf, timed)


def _pick(database: Path, followers: int) -> dict[str, Any]:
    """The two scenarios' members and threads, found in the demo data (and the followers
    added for the published one)."""
    from bench.run import COLD_TITLE, first_demo_patient

    con = sqlite3.connect(database)
    held_member = first_demo_patient(7)
    held_thread = con.execute("""
        SELECT t.id FROM thread t
        JOIN community_membership m ON m.community_id = t.community_id
        JOIN user_account u ON u.id = m.user_id AND u.username = ?
        WHERE t.status = 'published' AND t.title NOT LIKE ?
        ORDER BY t.reply_count DESC, t.id LIMIT 1 OFFSET 1""",
                              (held_member, COLD_TITLE + " %")).fetchone()[0]
    author_id, author = con.execute("""
        SELECT u.id, u.username FROM user_account u JOIN post p ON p.author_id = u.id
        WHERE p.status = 'published'
          AND NOT EXISTS (SELECT 1 FROM user_role r WHERE r.user_id = u.id
                          AND r.role != 'patient')
        GROUP BY u.id HAVING count(*) >= 5 ORDER BY count(*) DESC, u.id LIMIT 1""").fetchone()
    thread_id, community_id = con.execute("""
        SELECT t.id, t.community_id FROM thread t
        JOIN community_membership m ON m.community_id = t.community_id AND m.user_id = ?
        WHERE t.status = 'published' AND t.audience = 'members' AND t.kind = 'discussion'
          AND t.id != ? ORDER BY t.reply_count DESC, t.id LIMIT 1""",
                                          (author_id, held_thread)).fetchone()
    members = [row[0] for row in con.execute("""
        SELECT user_id FROM community_membership WHERE community_id = ? AND user_id != ?
        ORDER BY user_id LIMIT ?""", (community_id, author_id, followers))]
    now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
    con.executemany("INSERT OR IGNORE INTO follow (user_id, target_type, target_id, created_at) "
                    "VALUES (?, 'thread', ?, ?)", [(m, thread_id, now) for m in members])
    con.commit()
    con.close()
    return {"held": (held_member, held_thread), "published": (author, thread_id),
            "followers": len(members)}


async def _measure_all(app: Any, picked: dict[str, Any], replies: int,
                       statements: Counter[str], timings: Counter[str],
                       spent: Counter[str], cpu: Counter[str], *,
                       calls: bool, top: int = 0, dump: Path | None = None) -> dict[str, Any]:
    import logging

    from litestar.testing import AsyncTestClient

    # The test client's line per request is not the app's work (and not its CPU).
    logging.getLogger("httpx").setLevel(logging.WARNING)
    async with AsyncTestClient(app) as client:
        return {scenario: await _measure(client, *picked[scenario], replies, statements,
                                         timings, spent, cpu, calls=calls, top=top,
                                         dump=dump)
                for scenario in ("held", "published")}


async def _measure(client: Any, member: str, thread_id: int, replies: int,
                   statements: Counter[str], timings: Counter[str],
                   spent: Counter[str], cpu: Counter[str], *, calls: bool,
                   top: int = 0, dump: Path | None = None) -> dict[str, Any]:
    from community.demo import DEMO_PASSWORD

    if True:
        client.cookies.clear()
        await client.get("/login")
        csrf = client.cookies.get("csrftoken")
        signed = await client.post("/login", data={"identifier": member,
                                                   "password": DEMO_PASSWORD,
                                                   "_csrf_token": csrf},
                                   follow_redirects=False)
        assert signed.status_code == 303, (member, signed.status_code)
        csrf = client.cookies.get("csrftoken")

        async def one(n: int) -> None:
            answer = await client.post(f"/threads/{thread_id}/replies", data={
                "body": REPLY, "_csrf_token": csrf, "_submission": f"profile-{member}-{n}"},
                                       follow_redirects=False)
            assert answer.status_code == 303, (answer.status_code, answer.text[:300])

        for n in range(10):
            await one(-n - 1)
        statements.clear()
        timings.clear()
        spent.clear()
        cpu.clear()
        process_cpu, wall = time.process_time(), time.perf_counter()
        for n in range(replies):
            await one(n)
        process_cpu, wall = time.process_time() - process_cpu, time.perf_counter() - wall
        measured = (Counter(statements), Counter(timings), dict(spent), dict(cpu))
        counted = 0
        if calls:
            # A second pass under cProfile, enabled in the app's own thread (the test
            # client's portal: the app and the part timers, not the client, not SQLite's
            # thread): deterministic for a given code and data, the figure to compare.
            profiler = cProfile.Profile()
            client.blocking_portal.call(profiler.enable)
            for n in range(replies):
                await one(replies + n)
            client.blocking_portal.call(profiler.disable)
            stats = pstats.Stats(profiler)
            counted = stats.total_calls  # type: ignore[attr-defined]
            if dump is not None:
                profiler.dump_stats(dump / f"profile-write-{member}.prof")
            if top:
                print(f"\n{member} (thread {thread_id}): the {top} functions with the most "
                      f"calls, cumulative time\n")
                stats.sort_stats("cumulative").print_stats(top)
        statements, timings = measured[0], measured[1]
        spent, cpu = Counter(measured[2]), Counter(measured[3])
    inclusive = dict(spent)
    return {"cpu_ms": process_cpu / replies * 1000, "wall_ms": wall / replies * 1000,
            "calls": counted / replies,
            "statements": sum(statements.values()) / replies,
            "written_later": sum(n for key, n in statements.items()
                                 if key.startswith("(written later)")) / replies,
            "sql_ms": sum(timings.values()) / replies * 1000,
            "write_lock_ms": spent.get(WRITE_LOCK, 0.0) / replies * 1000,
            "delivery_lock_ms": spent.get(DELIVERY_LOCK, 0.0) / replies * 1000,
            "parts": {part: inclusive.get(part, 0.0) / replies * 1000 for part, _f, _n in PARTS},
            "parts_cpu": {part: cpu.get(part, 0.0) / replies * 1000 for part, _f, _n in PARTS},
            "top": [(key, statements[key] / replies, timings[key] / replies * 1000)
                    for key, _n in sorted(statements.items(),
                                          key=lambda item: -timings[item[0]])[:40]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_write", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--followers", type=int, default=20)
    parser.add_argument("--label", default="")
    parser.add_argument("--calls", action="store_true",
                        help="also count Python calls per reply (a second pass under cProfile)")
    parser.add_argument("--top", type=int, default=0,
                        help="with --calls: print the N functions first by cumulative time")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--dump", type=Path, default=None,
                        help="with --calls: write each scenario's cProfile stats to this folder "
                             "(profile-write-<member>.prof, for pstats or snakeviz)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="kindred-profile-write-"))
    database = workdir / "kindred.db"
    env = kindred_env(f"sqlite+aiosqlite:///{database}", workdir / "var")
    prepare_kindred(env, args.patients, 7)
    picked = _pick(database, args.followers)
    os.environ.update({k: v for k, v in env.items() if k.startswith("KINDRED_")})

    from sqlalchemy import event

    from community.app import create_app

    app = create_app()
    statements: Counter[str] = Counter()
    timings: Counter[str] = Counter()
    engine = app.state.runtime.engine.sync_engine

    # Counted when sent: statements sent straight to the driver (`community.db.read_rows`,
    # `write_rows`) pass the before event only, so their time is not in `timings`.
    @event.listens_for(engine, "before_cursor_execute")
    def _started(conn: Any, _c: Any, statement: str, _p: Any, _x: Any, _m: Any) -> None:
        key = re.sub(r"\s+", " ", statement)[:90]
        statements[key] += 1
        conn.info["bench_started"] = (key, time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _ended(conn: Any, _c: Any, _s: str, _p: Any, _x: Any, _m: Any) -> None:
        started = conn.info.pop("bench_started", None)
        if started is not None:
            timings[started[0]] += time.perf_counter() - started[1]

    spent: Counter[str] = Counter()
    cpu: Counter[str] = Counter()

    # SQLite's write lock: this process's writer turn (community.sqlite_driver), taken just
    # before BEGIN IMMEDIATE runs and given up when the transaction ends, both in the
    # connection's thread. One writer at a time, so 1 / (this time) bounds the replies per
    # second of all processes together.
    from community import sqlite_driver

    begin_writing = sqlite_driver.OneTripConnection._begin_writing
    done_writing = sqlite_driver.OneTripConnection._done_writing_anyway

    def timed_begin(self: Any) -> None:
        begin_writing(self)
        if self._writing and "bench_writing_since" not in self.__dict__:
            self.bench_writing_since = time.perf_counter()

    def timed_done(self: Any) -> None:
        since = self.__dict__.pop("bench_writing_since", None)
        done_writing(self)
        if since is not None:
            spent[DELIVERY_LOCK if _delivering["now"] else WRITE_LOCK] += (
                time.perf_counter() - since)

    sqlite_driver.OneTripConnection._begin_writing = timed_begin  # type: ignore[method-assign]
    sqlite_driver.OneTripConnection._done_writing_anyway = timed_done  # type: ignore[method-assign]

    # Statements deferred to the next statement or the commit (community.sqlite_driver) pass
    # no cursor event: counted here, their time is inside the statement they went with.
    defer = getattr(sqlite_driver.OneTripConnection, "defer", None)

    def counted_defer(self: Any, sql: str, parameters: Any) -> None:
        statements["(written later) " + re.sub(r"\s+", " ", sql)[:74]] += 1
        defer(self, sql, parameters)  # type: ignore[misc]

    if defer is not None:
        sqlite_driver.OneTripConnection.defer = counted_defer  # type: ignore[method-assign]
    _wrap_parts(spent, cpu)
    results = asyncio.run(_measure_all(app, picked, args.replies, statements, timings, spent,
                                       cpu, calls=args.calls or args.top > 0,
                                       top=args.top, dump=args.dump))
    started = dt.datetime.now(dt.UTC)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    held, published = results["held"], results["published"]
    lines = [
        f"# Profile: a reply, in-process, SQLite, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Kindred {commit}, `kindred demo --patients {args.patients}`, the app in-process "
        f"(AsyncTestClient), {args.replies} replies per scenario after 10 of warm-up, one at "
        "a time, each part timed",
        f"- load average at the end: {os.getloadavg()[0]:.2f} (the machine is shared)",
        f"- held: `{picked['held'][0]}` in thread {picked['held'][1]} (below the first-posts "
        f"threshold: every reply premoderated); published: `{picked['published'][0]}` in thread "
        f"{picked['published'][1]}, followed by {picked['followers']} other members",
        "",
        "| per reply | held | published |",
        "|---|---:|---:|",
        f"| CPU, this process (ms) | {held['cpu_ms']:.2f} | {published['cpu_ms']:.2f} |",
        f"| wall (ms) | {held['wall_ms']:.2f} | {published['wall_ms']:.2f} |",
        *([f"| Python calls in the app's thread (cProfile, a second pass; with the "
           f"part timers) | {held['calls']:,.0f} | "
           f"{published['calls']:,.0f} |"] if args.calls or args.top else []),
        f"| SQL statements | {held['statements']:.1f} | {published['statements']:.1f} |",
        f"| of which written later (with the next statement or the commit) | "
        f"{held['written_later']:.1f} | {published['written_later']:.1f} |",
        f"| SQLite's write lock held: the writer's turn, taken for BEGIN IMMEDIATE, given up "
        f"at the commit (ms) | "
        f"{held['write_lock_ms']:.2f} | {published['write_lock_ms']:.2f} |",
        f"| ... and by the outbox's delivery after the response (its own transaction; ms) | "
        f"{held['delivery_lock_ms']:.2f} | {published['delivery_lock_ms']:.2f} |",
        f"| SQL time, wall with the trip to the thread (ms) | {held['sql_ms']:.2f} | "
        f"{published['sql_ms']:.2f} |",
        "",
        "Wall time and CPU of each part, ms per reply (inclusive, with its statements; indented "
        "parts are steps of the one above; CPU is the app thread's own, without SQLite's "
        "connection thread):",
        "",
        "| part | held wall | held CPU | published wall | published CPU |",
        "|---|---:|---:|---:|---:|",
        *[f"| {part} | {held['parts'][part]:.2f} | {held['parts_cpu'][part]:.2f} | "
          f"{published['parts'][part]:.2f} | {published['parts_cpu'][part]:.2f} |"
          for part, _f, _n in PARTS],
        "",
        *[line for scenario in ("held", "published") for line in (
            f"Statements of the {scenario} reply, by time:",
            "",
            "| statement | per reply | ms |",
            "|---|---:|---:|",
            *[f"| `{key}` | {count:.1f} | {ms:.2f} |"
              for key, count, ms in results[scenario]["top"]],
            "",
        )],
    ]
    stem = args.output / (f"{started:%Y-%m-%d}-profile-write-sqlite"
                          + (f"-{args.label}" if args.label else ""))
    args.output.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
