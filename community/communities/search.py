"""Full-text search over the posts a person may see: SQLite FTS5 or PostgreSQL tsvector.

Both engines mark matches with \\x02 and \\x03 (control characters that post bodies can
never contain); `highlight` escapes everything else and only then turns them into <mark>.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import (
    ColumnElement,
    Executable,
    Float,
    String,
    and_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    null,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import util as sql_util

from community.accounts.models import User
from community.accounts.viewer import Reader
from community.communities import access
from community.communities.models import Community, Post, Thread
from community.db import read_rows, short_read

START, STOP = "\x02", "\x03"
MAX_TERMS = 12
MAX_QUERY_CHARS = 200
_TERM = re.compile(r"\w+", re.UNICODE)

_fts = table("posts_fts", column("rowid"))

INLINE_STEPS = 16_384
"""SQLite's steps a search may take on the event loop (`short_read`): its statement takes
about 300, 17 per matching post and 90 per hit shown, some 100 ns each on the bench machine
(a word 144 of 27,000 posts hold: 5,010 steps, 0.6 ms; one 10,656 hold: 155,080, 16 ms). So
words up to some 850 posts hold are read there, in under 2 ms; a search for more is stopped
there and read in the connection's thread."""


@dataclass(frozen=True)
class SearchHit:
    post_id: int
    thread_id: int
    thread_title: str
    community_slug: str
    community_name: str
    snippet: Markup
    rank: float
    # The author's name, None for a former member.
    author: str | None = None
    created_at: datetime | None = None
    thread_kind: str = ""


def query_terms(query: str) -> list[str]:
    """Words of the query, without any search-engine syntax."""
    return _TERM.findall(query[:MAX_QUERY_CHARS])[:MAX_TERMS]


def highlight(raw: str) -> Markup:
    """Escape the snippet, then mark the matches."""
    escaped = str(escape(raw.replace("<mark>", "").replace("</mark>", "")))
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704 - escaped above


def encode_cursor(hit: SearchHit) -> str:
    return f"{hit.rank!r}_{hit.post_id}"


def decode_cursor(cursor: str | None) -> tuple[float, int] | None:
    if not cursor:
        return None
    rank, _sep, post_id = cursor.partition("_")
    try:
        return float(rank), int(post_id)
    except ValueError:
        return None


async def search_posts(
    db: AsyncSession, viewer: Reader | None, query: str, community_id: int | None = None,
    after: str | None = None, limit: int = 20, kind: str | None = None,
) -> tuple[list[SearchHit], str | None]:
    """Ranked hits (best first) among posts `viewer` may see, and the next page's cursor."""
    terms = query_terms(query)
    if not terms:
        return [], None
    cursor = decode_cursor(after)
    if db.get_bind().dialect.name == "sqlite":
        # Each term quoted: FTS5 operators typed by a person are plain words here.
        match = " ".join('"' + term.replace('"', "") + '"' for term in terms)
        statement = _sqlite_statement(*_variant(viewer, community_id, kind, cursor))
    else:
        match = " ".join(terms)
        statement = _postgres_statement(*_variant(viewer, community_id, kind, cursor))
    # Straight to the driver (`read_rows`): the rows are only displayed. On SQLite on the
    # event loop while it is short (words few posts hold), else in the connection's thread.
    with short_read(steps=INLINE_STEPS):
        rows = await read_rows(db, statement, {
            "match": match, "viewer_id": viewer.id if viewer is not None else None,
            "community_id": community_id, "thread_kind": kind, "limit": limit + 1,
            "after_rank": cursor[0] if cursor else None,
            "after_id": cursor[1] if cursor else None, "headline_options": HEADLINE_OPTIONS,
        })
    hits = [_hit(row) for row in rows]
    next_cursor = encode_cursor(hits[limit - 1]) if len(hits) > limit else None
    return hits[:limit], next_cursor


def _variant(viewer: Reader | None, community_id: int | None, kind: str | None,
             cursor: tuple[float, int] | None) -> tuple[str, bool, bool, bool]:
    """What the statement's shape depends on: the kind of viewer (the values are bound)
    and which filters are asked for."""
    return (access.viewer_kind(viewer), community_id is not None, kind is not None,
            cursor is not None)


def _scope(viewer_kind: str, in_community: bool, of_kind: bool) -> list[ColumnElement[bool]]:
    conditions = [access.visible_posts_of(viewer_kind, bindparam("viewer_id"))]
    if in_community:
        conditions.append(Thread.community_id == bindparam("community_id"))
    if of_kind:
        conditions.append(Thread.kind == bindparam("thread_kind"))
    return conditions


def _shown_columns() -> tuple[Any, ...]:
    """What a result shows besides its text: author (None once deleted), date, thread kind."""
    author = case((User.deleted_at.is_(None), User.username), else_=null())
    return author, Post.created_at, Thread.kind


def _hit(row: Any) -> SearchHit:
    return SearchHit(row[0], row[1], row[2], row[3], row[4], highlight(row[5] or ""),
                     float(row[6]), row[7], row[8], row[9])


def _after(rank_column: ColumnElement[Any], post_id: ColumnElement[int] | Any, after: bool
           ) -> list[ColumnElement[bool]]:
    """Best first means ascending rank (both engines' rank is made 'lower is better')."""
    if not after:
        return []
    rank = bindparam("after_rank", type_=Float)
    return [or_(rank_column > rank, and_(rank_column == rank, post_id > bindparam("after_id")))]


@functools.cache
def _sqlite_statement(viewer_kind: str, in_community: bool, of_kind: bool,
                      after: bool) -> Executable:
    """Built once per shape (`_variant`); every value is bound."""
    rank: ColumnElement[float] = literal_column("bm25(posts_fts)")
    snippet: ColumnElement[str] = literal_column("snippet(posts_fts, 0, char(2), char(3), '…', 24)")
    return (
        select(Post.id, Thread.id, Thread.title, Community.slug, Community.name, snippet, rank,
               *_shown_columns())
        .select_from(_fts)
        .join(Post, Post.id == _fts.c.rowid)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Community, Community.id == Thread.community_id)
        .join(User, User.id == Post.author_id)
        .where(text("posts_fts MATCH :match"), *_scope(viewer_kind, in_community, of_kind),
               *_after(rank, Post.id, after))
        .order_by(rank, Post.id)
        .limit(bindparam("limit"))
    )


HEADLINE_OPTIONS = (f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=12, "
                    'MaxFragments=2, FragmentDelimiter=" … "')


@functools.cache
def _postgres_statement(viewer_kind: str, in_community: bool, of_kind: bool,
                        after: bool) -> Executable:
    """Built once per shape (`_variant`); every value is bound. The posts that match are
    found first, through the GIN index on the stored `post.search_vector`
    (to_tsvector('english', body), migration 0005), and only then joined to their threads
    and filtered: left to itself the planner started from the threads the viewer may read
    (a scan of them all, or an index probe per thread), which cost more than the search.
    Only the page's hits get a headline."""
    english: ColumnElement[str] = literal_column("'english'")
    tsquery = func.plainto_tsquery(english, bindparam("match", type_=String))
    vector: ColumnElement[Any] = literal_column("post.search_vector")
    matched = (
        select(Post.id, Post.thread_id, Post.author_id, Post.status,
               vector.label("search_vector"))
        .where(vector.op("@@")(tsquery))
        .cte("matched").prefix_with("MATERIALIZED")
    )
    rank = (-func.ts_rank(matched.c.search_vector, tsquery)).label("rank")
    # The visibility rules are written over Post and Thread: here Post is the matched rows.
    seen = sql_util.ClauseAdapter(matched).traverse
    ranked = (
        select(matched.c.id.label("post_id"), rank)
        .select_from(matched)
        .join(Thread, Thread.id == matched.c.thread_id)
        .where(*[seen(condition) for condition in _scope(viewer_kind, in_community, of_kind)],
               *_after(rank.element, matched.c.id, after))
        .order_by(rank, matched.c.id)
        .limit(bindparam("limit"))
    ).subquery()
    headline = func.ts_headline(english, Post.body, tsquery,
                                bindparam("headline_options", type_=String))
    return (
        select(Post.id, Thread.id, Thread.title, Community.slug, Community.name, headline,
               ranked.c.rank, *_shown_columns())
        .select_from(ranked)
        .join(Post, Post.id == ranked.c.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Community, Community.id == Thread.community_id)
        .join(User, User.id == Post.author_id)
        .order_by(ranked.c.rank, Post.id)
    )
