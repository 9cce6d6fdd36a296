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
import functools
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
    unused_stem,
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
    # Cold pages: wrk rotates over these paths (found at run time) instead of one `path`.
    rotate: Callable[[Site], list[str]] | None = None
    # Forms: every request carries a fresh one-time submission token, as a browser's would.
    fresh_submission: bool = False
    # Sent by a fresh new member (`newcomer_on`) instead of the signed-in member.
    as_newcomer: bool = False


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
            WHERE t.status = 'published' AND t.title NOT LIKE :cold
            ORDER BY t.reply_count DESC, t.id
            LIMIT 1 OFFSET :rank""", "thread in the member's communities",
                         username=site.member.username, rank=rank,
                         cold=COLD_TITLE + " %")
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


@functools.cache
def _reply_thread(site: Site) -> str:
    return member_thread(0, rank=1)(site)


def reply_path(site: Site) -> str:
    """Replies go to the member's second-longest thread, found once per site: the published
    replies make it the longest, and the other reply row writes to the same thread."""
    return _reply_thread(site) + "/replies"


def first_posts_threshold() -> int:
    """The first-posts rule's threshold the server runs with (KINDRED_PREMODERATE_FIRST_POSTS:
    a member with fewer published posts has each reply held for review)."""
    from community.settings import Settings

    raw = os.environ.get("KINDRED_PREMODERATE_FIRST_POSTS", "")
    return int(raw) if raw else Settings.premoderate_first_posts


def establish_member(site: Site, thread_id: int) -> int:
    """Give the signed-in member the standing of an established one: published posts up to
    the first-posts threshold (copies of the thread's last reply, inserted directly as their
    earlier replies), so every reply they post is published, whichever rows ran before.
    Returns how many posts were added."""
    from sqlalchemy import insert, text

    from community.communities.models import Post

    if site.member is None:
        raise LookupError("no signed-in member")
    username = site.member.username

    async def work(connection: Any) -> int:
        author_id, published = (await connection.execute(text("""
            SELECT u.id, (SELECT count(*) FROM post p
                          WHERE p.author_id = u.id AND p.status = 'published')
            FROM user_account u WHERE u.username = :username"""),
            {"username": username})).one()
        missing = first_posts_threshold() - published
        if missing <= 0:
            return 0
        body, body_html = (await connection.execute(text(
            "SELECT body, body_html FROM post WHERE thread_id = :t AND status = 'published' "
            "ORDER BY id DESC LIMIT 1"), {"t": thread_id})).one()
        await connection.execute(insert(Post), [
            {"thread_id": thread_id, "author_id": author_id, "body": body,
             "body_html": body_html, "status": "published", "screen_labels": [],
             "screen_spans": [], "version": 1, "helpful_count": 0, "hugs_count": 0}
            for _ in range(missing)])
        await connection.execute(text(
            "UPDATE thread SET reply_count = reply_count + :n WHERE id = :t"),
            {"n": missing, "t": thread_id})
        return int(missing)

    return int(_run_sql(site.database_url, work))


def published_reply_path(site: Site) -> str:
    """The reply row's thread, its member established first (every reply published)."""
    path = reply_path(site)
    establish_member(site, int(path.removesuffix("/replies").rsplit("/", 1)[1]))
    return path


NEWCOMER_PREFIX = "bench_newcomer"


def add_newcomer(site: Site, thread_id: int) -> str:
    """A new member for the held reply's row: a fresh account (the signed-in member's
    password and roles, so it signs in with the demo password) that joins the thread's
    community and has no published post, so every reply it posts is held for review
    (held posts never count towards the first-posts rule). A fresh one per run: a rerun on
    a reused database never finds one a moderator could have approved. Returns its name."""
    from sqlalchemy import insert, text

    from community.accounts.models import User, UserRole
    from community.communities.models import Membership

    if site.member is None:
        raise LookupError("no signed-in member")
    model = site.member.username

    async def work(connection: Any) -> str:
        taken = (await connection.execute(text(
            "SELECT count(*) FROM user_account WHERE username LIKE :prefix"),
            {"prefix": NEWCOMER_PREFIX + "%"})).scalar_one()
        name = f"{NEWCOMER_PREFIX}{taken + 1}"
        model_id, password_hash = (await connection.execute(text(
            "SELECT id, password_hash FROM user_account WHERE username = :username"),
            {"username": model})).one()
        user_id = (await connection.execute(insert(User).returning(User.id), [
            {"username": name, "username_key": name, "password_hash": password_hash,
             "email": f"{name}@bench.kindred.local"}])).scalar_one()
        roles = [row[0] for row in await connection.execute(text(
            "SELECT role FROM user_role WHERE user_id = :u"), {"u": model_id})]
        await connection.execute(insert(UserRole), [{"user_id": user_id, "role": role}
                                                    for role in roles])
        community_id = (await connection.execute(text(
            "SELECT community_id FROM thread WHERE id = :t"), {"t": thread_id})).scalar_one()
        await connection.execute(insert(Membership), [
            {"user_id": user_id, "community_id": community_id}])
        await connection.execute(text(
            "UPDATE community SET member_count = member_count + 1 WHERE id = :c"),
            {"c": community_id})
        return str(name)

    return str(_run_sql(site.database_url, work))


def newcomer_on(site: Site, path: str) -> Member:
    """Sign in a fresh new member of the community of the thread `path` replies to."""
    thread_id = int(path.removesuffix("/replies").rsplit("/", 1)[1])
    name = add_newcomer(site, thread_id)
    return sign_in(site.url, [name], DEMO_PASSWORD)


def reaction_path(site: Site) -> str:
    """A reaction (toggled on and off under load) on another member's post in the thread
    the reply benchmark does not write to."""
    if site.member is None:
        raise LookupError("no signed-in member")
    thread = member_thread(0, rank=2)(site).rsplit("/", 1)[1]
    post_id = _one(site, """
        SELECT p.id FROM post p JOIN user_account u ON u.id = p.author_id
        WHERE p.thread_id = :t AND p.status = 'published' AND u.username != :username
        ORDER BY p.id LIMIT 1""", "post by another member", t=int(thread),
                   username=site.member.username)
    return f"/posts/{post_id}/react"


# ---------------------------------------------------------------------------------------
# Cold pages: many distinct URLs rotated by wrk, so caches are not always warm.

COLD_URLS = 1000
COLD_THREAD_POSTS = 20
COLD_TITLE = "Bench thread"


def _run_sql(database_url: str, work: Callable[[Any], Any]) -> Any:
    import asyncio

    from community.db import make_engine

    async def run() -> Any:
        engine = make_engine(database_url, pool=False)
        try:
            async with engine.begin() as connection:
                return await work(connection)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def ensure_cold_threads(site: Site, count: int = COLD_URLS,
                        posts: int = COLD_THREAD_POSTS) -> list[int]:
    """`count` threads of `posts` published posts in the signed-in member's communities,
    added to the benchmark's database (never the product's demo) the first time: titles
    and texts are copies of the demo's own threads and posts, authors the communities'
    members, activity spread over the last 90 days. Returns their ids."""
    import datetime as dt_

    from sqlalchemy import insert, select, text

    from community.communities.models import Post, Thread

    if site.member is None:
        raise LookupError("no signed-in member")
    username = site.member.username

    async def work(connection: Any) -> list[int]:
        existing = [row[0] for row in await connection.execute(text(
            "SELECT id FROM thread WHERE title LIKE :prefix ORDER BY id"),
            {"prefix": COLD_TITLE + " %"})]
        if len(existing) >= count:
            return existing[:count]
        communities = [row[0] for row in await connection.execute(text("""
            SELECT m.community_id FROM community_membership m
            JOIN user_account u ON u.id = m.user_id AND u.username = :username
            ORDER BY m.community_id"""), {"username": username})]
        if not communities:
            raise LookupError(f"{username} belongs to no community")
        authors = {c: [row[0] for row in await connection.execute(text(
            "SELECT m.user_id FROM community_membership m "
            "JOIN user_account u ON u.id = m.user_id AND u.username NOT LIKE :newcomer "
            "WHERE m.community_id = :c ORDER BY m.user_id LIMIT 200"),
            {"c": c, "newcomer": NEWCOMER_PREFIX + "%"})] for c in communities}
        titles = [row[0] for row in await connection.execute(text(
            "SELECT title FROM thread WHERE status = 'published' ORDER BY id LIMIT 500"))]
        bodies = list((await connection.execute(text(
            "SELECT body, body_html FROM post WHERE status = 'published' "
            "ORDER BY id LIMIT 2000"))).all())
        rng = random.Random(18)
        now = dt_.datetime.now(dt_.UTC)
        rows = []
        for index in range(len(existing), count):
            community = communities[index % len(communities)]
            moment = now - dt_.timedelta(minutes=rng.randrange(90 * 24 * 60))
            rows.append({"community_id": community,
                         "author_id": rng.choice(authors[community]),
                         "title": f"{COLD_TITLE} {index + 1}: {rng.choice(titles)}"[:200],
                         "kind": "discussion", "audience": "members", "status": "published",
                         "created_at": moment, "last_activity_at": moment,
                         "reply_count": posts - 1})
        await connection.execute(insert(Thread), rows)
        ids = [row[0] for row in await connection.execute(
            select(Thread.id, Thread.title).where(Thread.title.like(COLD_TITLE + " %"))
            .order_by(Thread.id))]
        fresh = ids[len(existing):]
        post_rows = []
        for thread_id, thread in zip(fresh, rows, strict=True):
            for number in range(posts):
                body, body_html = rng.choice(bodies)
                post_rows.append({
                    "thread_id": thread_id, "author_id": rng.choice(authors[
                        thread["community_id"]]) if number else thread["author_id"],
                    "body": body, "body_html": body_html, "status": "published",
                    "screen_labels": [], "screen_spans": [], "version": 1,
                    "helpful_count": 0, "hugs_count": 0,
                    "created_at": thread["created_at"] + dt_.timedelta(minutes=number)})
        await connection.execute(insert(Post), post_rows)
        return ids[:count]

    return list(_run_sql(site.database_url, work))


def cold_thread_pages(site: Site) -> list[str]:
    return [f"/threads/{thread_id}" for thread_id in ensure_cold_threads(site)]


def cold_thread_lists(site: Site) -> list[str]:
    """Every page of every community's thread list (keyset cursors as the pages make
    them), up to COLD_URLS."""
    from types import SimpleNamespace

    from sqlalchemy import select

    from community.communities.models import Community, Thread
    from community.communities.services import PAGE_SIZE, encode_thread_cursor

    ensure_cold_threads(site)

    async def work(connection: Any) -> list[str]:
        communities = (await connection.execute(
            select(Community.id, Community.slug).where(Community.archived_at.is_(None))
            .order_by(Community.member_count.desc(), Community.id))).all()
        paths = []
        for community_id, slug in communities:
            paths.append(f"/communities/{slug}")
            threads = (await connection.execute(
                select(Thread.id, Thread.last_activity_at)
                .where(Thread.community_id == community_id, Thread.status == "published")
                .order_by(Thread.last_activity_at.desc(), Thread.id.desc()))).all()
            for end in range(PAGE_SIZE - 1, len(threads) - 1, PAGE_SIZE):
                thread_id, moment = threads[end]
                cursor = encode_thread_cursor(SimpleNamespace(id=thread_id,  # type: ignore[arg-type]
                                                              last_activity_at=moment))
                paths.append(f"/communities/{slug}?after={cursor}")
        return paths

    paths = list(_run_sql(site.database_url, work))
    random.Random(18).shuffle(paths)
    return paths[:COLD_URLS]


def cold_treatment_reports(site: Site) -> list[str]:
    """Each evaluated treatment's report, whole and narrowed by each sex and age group."""
    slugs = [row[0] for row in db_rows(site.database_url, """
        SELECT t.slug FROM report_treatment_summary s JOIN catalog_treatment t
        ON t.id = s.treatment_id ORDER BY t.slug""")]
    narrowings = ["", "?sex=female", "?sex=male", "?age_band=18-34", "?age_band=35-54",
                  "?age_band=55-74", "?age_band=75%2B"]
    paths = [f"/treatments/{slug}{query}" for query in narrowings for slug in slugs]
    return paths[:COLD_URLS]


REPLY_TEXT = "Thank you for writing this, it helps to know I am not alone."

PAGES: list[PageSpec] = [
    PageSpec("home", "/"),
    PageSpec("personal home (signed in)", "/", needs_session=True),
    PageSpec("communities", "/communities"),
    PageSpec("sign-in form", "/login"),
    PageSpec("account settings (signed in)", "/account", needs_session=True),
    PageSpec("thread list (largest community)", biggest_community),
    PageSpec("thread of 20 posts (signed in)", member_thread(20), needs_session=True),
    PageSpec("treatment report (most evaluated)", most_evaluated_treatment),
    PageSpec("narrowed treatment report (people like me)", narrowed_treatment_report),
    PageSpec("condition page (most common)", most_common_condition),
    PageSpec("treatment comparison (three, most common condition)", treatment_comparison),
    PageSpec("search", "/search?q=methotrexate"),
    PageSpec("cold: thread pages of 1,000 threads (signed in)", "", needs_session=True,
             rotate=cold_thread_pages),
    PageSpec("cold: thread lists, every page of every community", "",
             rotate=cold_thread_lists),
    PageSpec("cold: treatment reports, whole and narrowed", "", rotate=cold_treatment_reports),
    # The reply of an established member (published: counted, delivered to the thread's
    # followers), the target; then a new member's (held for review).
    PageSpec("reply (POST, signed in, published)", published_reply_path, method="POST",
             form={"body": REPLY_TEXT}, needs_session=True, expect_status=303,
             fresh_submission=True),
    PageSpec("held reply (POST, a new member's, held for review)", reply_path, method="POST",
             form={"body": REPLY_TEXT}, needs_session=True, expect_status=303,
             fresh_submission=True, as_newcomer=True),
    PageSpec("reaction (POST, signed in, on and off)", reaction_path, method="POST",
             form={"kind": "helpful"}, needs_session=True, expect_status=303,
             fresh_submission=True),
    PageSpec("check-in (POST, signed in)", "/my/check-in", method="POST",
             form={"recorded_on": "", "level": "4", "note": "Slept better, stiff hands."},
             needs_session=True, expect_status=303, fresh_submission=True),
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
    spirit: bool = True
    postgres_admin_url: str | None = None
    db_prefix: str = "kindred_bench"


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
    lua: str = ""
    distinct_urls: int = 1


# Per wrk thread: rotate over the paths (each thread from its own offset) and give every
# form a fresh one-time submission token, as a browser does for each form it renders.
ROTATE_LUA = """
local bench_threads = 0
function setup(thread)
  thread:set("bench_tid", bench_threads)
  bench_threads = bench_threads + 1
end
local bench_paths = %(paths)s
local bench_fresh = %(fresh)s
local bench_counter = 0
local bench_nonce = ""
function init(args)
  local tid = bench_tid or 0
  math.randomseed(os.time() * 131 + tid)
  bench_nonce = string.format("%%x%%x%%x", os.time(), tid, math.random(0, 1073741824))
  bench_counter = tid * 7919
end
function request()
  bench_counter = bench_counter + 1
  local path = nil
  if #bench_paths > 0 then path = bench_paths[(bench_counter %% #bench_paths) + 1] end
  local body = nil
  if bench_fresh then
    body = wrk.body .. "&_submission=bench" .. bench_nonce .. "n" .. bench_counter
  end
  return wrk.format(nil, path, nil, body)
end
"""


def request_lua(paths: list[str], fresh_submission: bool) -> str:
    from bench.harness import lua_string

    if not paths and not fresh_submission:
        return ""
    table = "{" + ", ".join(lua_string(path) for path in paths) + "}"
    return ROTATE_LUA % {"paths": table, "fresh": "true" if fresh_submission else "false"}


def prepare_request(page: PageSpec, site: Site) -> PreparedRequest:
    """Resolve the path, add the session, CSRF token and form; check the answer once.

    In a form, "{member}" stands for the signed-in member's username.
    """
    member = site.member
    if page.needs_session and member is None:
        raise NotMeasurable("no signed-in member (sign-in failed)")
    paths: list[str] = []
    try:
        if page.rotate is not None:
            paths = page.rotate(site)
            if not paths:
                raise LookupError("no paths to rotate over")
            path = paths[0]
        else:
            path = page.path if isinstance(page.path, str) else page.path(site)
    except LookupError as exc:
        raise NotMeasurable(f"page not found in the data: {exc}") from exc
    if page.as_newcomer:
        try:
            member = newcomer_on(site, path)
        except (LookupError, RuntimeError) as exc:
            raise NotMeasurable(f"no new member: {exc}") from exc
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
    # A rotation is checked at ten paths spread over it, and at its first.
    for checked in [path, *paths[len(paths) // 10::max(1, len(paths) // 10)][:10]]:
        status, _ = probe(site.url + checked, method=page.method,
                          body=body.encode() or None, headers=sent)
        if status != page.expect_status:
            raise NotMeasurable(f"{page.method} {checked} answered {status}, "
                                f"not {page.expect_status}")
    return PreparedRequest(path, page.method, headers, body,
                           request_lua(paths, page.fresh_submission), max(1, len(paths)))


def measure_page(page: PageSpec, site: Site, options: Options, workdir: Path,
                 references: dict[str, Any], server_pids: list[int],
                 server_database: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": page.name, "method": page.method,
                             "needs_session": page.needs_session}
    try:
        prepared = prepare_request(page, site)
    except NotMeasurable as exc:
        return {**entry, "measured": False, "reason": str(exc)}
    path = entry["path"] = prepared.path
    entry["distinct_urls"] = prepared.distinct_urls
    request = {"headers": prepared.headers, "method": prepared.method, "body": prepared.body,
               "extra_lua": prepared.lua,
               "server_pids": server_pids, "server_database": server_database}
    result = measure(site.url + path, options, workdir, **request)
    if result["peak"]["requests"] == 0:
        return {**entry, "measured": False, **result,
                "reason": f"no request completed during the {options.duration:g} s peak run"}
    entry.update(measured=True, **result)
    entry["errors"] = errors_in(result)
    add_ratios(entry, references)
    return entry


# Each page's throughput is divided by each reference's, measured in the same run.
REFERENCES = {"baseline": "Fortunes, ORM", "plain": "Fortunes, plain driver",
              "spirit": "Spirit topic page, signed in"}


def add_ratios(entry: dict[str, Any], references: dict[str, Any]) -> None:
    result = entry
    for key in ("plain", "spirit"):
        reference = references.get(key)
        if reference and reference.get("peak") and reference["peak"]["requests_per_second"]:
            entry[f"throughput_vs_{key}"] = ratio(result["peak"]["requests_per_second"],
                                                  reference["peak"]["requests_per_second"])
    baseline = references["baseline"]
    base_peak, base_half = baseline["peak"], baseline.get("half_peak")
    entry["throughput_vs_baseline"] = ratio(result["peak"]["requests_per_second"],
                                            base_peak["requests_per_second"])
    entry["p99_vs_baseline"] = ratio(result["peak"]["p99_ms"], base_peak["p99_ms"])
    if result.get("half_peak") and base_half:
        entry["half_peak_p99_vs_baseline"] = ratio(result["half_peak"]["p99_ms"],
                                                   base_half["p99_ms"])


def bench_spirit(backend: Backend, options: Options, workdir: Path,
                 logs: Path) -> dict[str, Any]:
    """Spirit's topic page of 20 comments, signed in and signed out (bench/spirit.py)."""
    from bench import spirit

    print(f"[bench] {backend.name}: Spirit {spirit.SPIRIT_VERSION}", file=sys.stderr)
    try:
        site = spirit.prepare(backend.name, workdir=workdir,
                              postgres_admin_url=options.postgres_admin_url,
                              database=f"{options.db_prefix}_spirit")
    except Exception as exc:  # Spirit's setup must not lose Kindred's figures
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}
    result: dict[str, Any] = {"version": spirit.SPIRIT_VERSION,
                              "server": " ".join(spirit.gunicorn_command(0, options.workers)
                                                 [1:4]) + " (gunicorn, sync workers)"}
    try:
        with spirit.serve_spirit(site, options.workers, logs) as server:
            cookie = spirit.sign_in(server.url)
            pids = [server.process.pid, *server.worker_pids()]
            database = site.database if backend.name == "postgresql" else None
            for name, headers in (("signed in", {"Cookie": cookie}), ("signed out", {})):
                status, html = probe(server.url + site.topic_path, headers=headers)
                shown = html.count("comment__text js-comment-text")
                entry: dict[str, Any] = {"name": f"Spirit topic page, 20 comments ({name})",
                                         "method": "GET", "path": site.topic_path,
                                         "comments_shown": shown}
                if status != 200 or shown != spirit.COMMENTS:
                    result[name] = {**entry, "measured": False,
                                    "reason": f"answered {status} with {shown} comments"}
                    continue
                measured = measure(server.url + site.topic_path, options, workdir,
                                   headers=headers, server_pids=pids,
                                   server_database=database)
                result[name] = {**entry, "measured": True, **measured,
                                "errors": errors_in(measured)}
            result["server_errors_logged"] = server.errors_logged()
    finally:
        if backend.name == "postgresql" and options.postgres_admin_url:
            spirit.drop_postgres(options.postgres_admin_url, site.database)
    return result


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
    references: dict[str, Any] = {}
    for key, target in (("plain", "bench.baseline.plain:create_app"),
                        ("baseline", "bench.baseline.app:create_app")):
        print(f"[bench] {backend.name}: {REFERENCES[key]}", file=sys.stderr)
        port = free_port()
        with serve(f"{key}-{backend.name}", granian_command(target, port, options.workers),
                   baseline_env, port, logs, ready_path=BASELINE_PATH) as server:
            status, html = probe(server.url + BASELINE_PATH)
            if status != 200 or "Additional fortune added at request time." not in html:
                raise RuntimeError(f"{REFERENCES[key]} answered {status}:\n{html[:500]}")
            measured = measure(server.url + BASELINE_PATH, options, workdir,
                               server_pids=[server.process.pid, *server.worker_pids()],
                               server_database=database_name(backend.baseline_url))
            measured["errors"] = errors_in(measured)
            measured["server_errors_logged"] = server.errors_logged()
        references[key] = measured
    report["baseline"] = references["baseline"]
    report["baseline_plain"] = references["plain"]
    if options.spirit:
        report["spirit"] = bench_spirit(backend, options, workdir, logs)
        signed_in = report["spirit"].get("signed in")
        if signed_in and signed_in.get("measured"):
            references["spirit"] = signed_in
        for entry in report["spirit"].values():
            if isinstance(entry, dict) and entry.get("measured"):
                add_ratios(entry, references)

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
                entry = measure_page(page, site, options, workdir, references, pids,
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


def _rps(value: float) -> str:
    return f"{value:,.0f}"


# The targets, by a word of the page's name: (× plain Fortunes, × Spirit signed in,
# p99 ms at half of peak, req/s on SQLite). Ratios are measured in the same run.
TARGETS: list[tuple[str, dict[str, float]]] = [
    ("cold: thread pages", {"spirit": 25}),
    ("thread of 20 posts", {"spirit": 50, "plain": 0.15}),
    ("personal home", {"plain": 0.15, "p99": 50}),
    ("thread list", {"plain": 0.15, "p99": 50}),
    ("treatment report", {"plain": 0.15, "p99": 50}),
    ("condition page", {"plain": 0.15, "p99": 50}),
    ("search", {"plain": 0.15, "p99": 50}),
    ("held reply", {}),
    ("reply", {"sqlite_rps": 300, "p99": 100}),
]


def targets_of(name: str) -> dict[str, float]:
    return next((t for word, t in TARGETS if word in name), {})


def verdict(page: dict[str, Any], backend: str) -> str:
    """Each target of the page, met or NOT met."""
    parts = []
    for kind, goal in targets_of(page["name"]).items():
        if kind in {"plain", "spirit"}:
            value = page.get(f"throughput_vs_{kind}")
            if value is None:
                parts.append(f"≥{goal:g}× {kind}: not measured")
                continue
            met = value >= goal
            parts.append(f"≥{goal:g}× {'Spirit' if kind == 'spirit' else 'plain'} "
                         f"{'met' if met else 'NOT met'}")
        elif kind == "p99":
            half = page.get("half_peak")
            if not half:
                parts.append(f"p99<{goal:g} ms: not measured")
                continue
            parts.append(f"p99<{goal:g} ms {'met' if half['p99_ms'] < goal else 'NOT met'}")
        elif kind == "sqlite_rps" and backend == "sqlite":
            rps = page["peak"]["requests_per_second"]
            parts.append(f"≥{goal:g} req/s {'met' if rps >= goal else 'NOT met'}")
    return ", ".join(parts)


def _row(name: str, result: dict[str, Any], backend: str) -> str:
    peak = result["peak"]
    half = result.get("half_peak")
    half_text = "–"
    if half:
        half_text = (f"{_ms(half['p99_ms'])} ({_rps(half['requests_per_second'])}/s, "
                     f"{half['fraction_of_peak']:.0%})")
    foreign = peak.get("foreign_cpu_share")
    others = "–" if foreign is None else f"{foreign:.0%}"
    urls = result.get("distinct_urls", 1)
    return (f"| {name} | {urls:,} | {_rps(peak['requests_per_second'])} | "
            f"{_ms(peak['p99_ms'])} | {half_text} | "
            f"{_x(result.get('throughput_vs_plain'))} | {_x(result.get('throughput_vs_baseline'))} | "
            f"{_x(result.get('throughput_vs_spirit'))} | {result.get('errors', 0)} | {others} | "
            f"{peak.get('load_average', '–')} | {verdict(result, backend) if 'name' in result else ''} |")


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    o = report["options"]
    data = (f"the bench.scale dataset of {o['scale']} patients" if o.get("scale")
            else f"`kindred demo --patients {o['patients']} --seed {o['seed']}`")
    lines = [
        f"# Page benchmark, {report['started']}",
        "",
        f"- machine: {m['cpu_model']}, {m['cpu_cores']} cores ({m['cpus_usable']} usable), "
        f"{m['memory_gib']} GiB, {m['platform']}",
        f"- load average when the run started: {m['load_average_at_start']} (1 and 5 min; "
        "the machine is shared)",
        f"- software: Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}, "
        f"granian {m['granian']}, Litestar {m['litestar']}, SQLAlchemy {m['sqlalchemy']}, "
        f"{m['wrk']}; Kindred {m['kindred_commit']}",
        f"- load: `wrk -t{o['threads']} -c{o['connections']} -d{o['duration']}s --latency` "
        f"after a {o['warmup']} s warm-up; Kindred and both Fortunes: granian, "
        f"{o['workers']} workers; Spirit: gunicorn, {o['workers']} sync workers; loopback; "
        "the load generator shares the machine's CPUs with the server",
        f"- p99 at half of peak: {report['half_peak_method']}",
        f"- data: {data}; the cold rows rotate over the distinct URLs counted in the table "
        f"(the benchmark adds {COLD_URLS:,} threads of {COLD_THREAD_POSTS} posts in the "
        "signed-in member's communities to the benchmark database)",
        "",
        "Each page's req/s is divided by the req/s of three references measured minutes "
        "earlier in the same run on the same machine and database: the plain-driver Fortunes "
        "(Litestar + Jinja2 + sqlite3 / asyncpg), the ORM Fortunes (the same on Kindred's "
        "SQLAlchemy engine) and Spirit's topic page of 20 comments, signed in. Errors count "
        "non-2xx/3xx answers, socket errors and timeouts over both runs. Others' CPU is the "
        "share of the machine's CPU time that processes other than the server, its "
        "PostgreSQL backends and wrk used during the peak run; load is the 1-minute load "
        "average after it. Above a few percent of others' CPU the figures are noisy.",
    ]
    header = [
        "| page | URLs | req/s | p99 ms | p99 ms at ½ peak (rate reached) | × plain Fortunes "
        "| × ORM Fortunes | × Spirit signed in | errors | others' CPU | load | targets |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for backend in report["backends"]:
        name = backend["backend"]
        lines += ["", f"## {name} {backend.get('version', '')}", ""]
        if "error" in backend:
            lines += [f"Not measured: {backend['error']}"]
            continue
        lines += [
            f"- schema from: {short_schema(backend['kindred_schema'])}",
            f"- demo data: {' / '.join(backend['demo'].splitlines()[:-1]) or backend['demo']} "
            f"(prepared in {backend['prepare_seconds']} s)",
            f"- signed-in pages use: {backend.get('member', '–')}",
            "",
            *header,
        ]
        references = [("Fortunes, plain driver (`/fortunes`)", backend.get("baseline_plain")),
                      ("Fortunes, ORM (`/fortunes`)", backend["baseline"])]
        spirit = backend.get("spirit") or {}
        missing = []
        for key in ("signed in", "signed out"):
            entry = spirit.get(key)
            if entry and entry.get("measured"):
                references.append((f"{entry['name']} (`{entry['path']}`)", entry))
            elif entry:
                missing.append(f"- Spirit {key}: not measured: {entry['reason']}")
        if "error" in spirit:
            missing.append(f"- Spirit: not measured: {spirit['error']}")
        for label, entry in references:
            if entry:
                lines.append(_row(f"*{label}*", {k: v for k, v in entry.items()
                                                 if k != "name"}, name))
        for page in backend["pages"]:
            if page.get("measured"):
                lines.append(_row(f"{page['name']} (`{page['method']} {page['path']}`)", page,
                                  name))
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
    parser.add_argument("--db-prefix", default="kindred_bench",
                        help="PostgreSQL database names (<prefix>, <prefix>_fortunes, "
                             "<prefix>_spirit): another name keeps runs on one server apart")
    parser.add_argument("--no-spirit", action="store_true",
                        help="leave Spirit out (its setup installs it under var/bench/spirit)")
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
        evaluations_per_patient=args.evaluations_per_patient, spirit=not args.no_spirit,
        db_prefix=args.db_prefix,
        postgres_admin_url=postgres_url() if "postgresql" in backends else None,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    workdir = Path(tempfile.mkdtemp(prefix="kindred-bench-"))
    pg_url = options.postgres_admin_url
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
                backend = postgres_backend(pg_url, options.db_prefix)
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
            write_report(report, options, started)
    finally:
        if not options.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"[bench] work directory kept: {workdir}", file=sys.stderr)
    report["finished"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = write_report(report, options, started)
    print(text)
    return 0


@functools.cache
def _run_stem(output: Path, started: dt.datetime) -> Path:
    """This run's result files: chosen once, beside (never over) an earlier run of the day."""
    return unused_stem(output / f"{started:%Y-%m-%d}-pages")


def write_report(report: dict[str, Any], options: Options, started: dt.datetime) -> str:
    """Write (or rewrite) the run's result files; a run still going says so."""
    options.output.mkdir(parents=True, exist_ok=True)
    stem = _run_stem(options.output, started)
    text = markdown(report)
    if "finished" not in report:
        text = text.replace("\n\n", "\n\n**Partial: the run was still going when this was "
                            "written.**\n\n", 1)
    stem.with_suffix(".md").write_text(text)
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"[bench] wrote {stem}.md and {stem}.json", file=sys.stderr)
    return text


if __name__ == "__main__":
    sys.exit(main())
