"""A clinician's self-audit: everything they have posted, with its moderation history."""

from __future__ import annotations

import importlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from community.accounts.models import Role
from community.web import current_user, render, require_role
from moderation.education.models import Article
from moderation.education.services import articles_by
from moderation.queue.models import ReviewItem
from moderation.queue.services import items_by_author, usernames

AnyRequest = Request[Any, Any, Any]
POST_LIMIT = 200


@dataclass(frozen=True)
class PostLine:
    id: int
    thread_id: int
    thread_title: str
    status: str
    excerpt: str
    created_at: Any
    labels: list[str]


async def posts_by(db: AsyncSession, author_id: int) -> list[PostLine]:
    """The author's posts, when the communities domain is present."""
    try:
        models = importlib.import_module("community.communities.models")
    except ImportError:
        return []
    post, thread = models.Post, models.Thread
    rows = await db.execute(
        select(
            post.id,
            post.thread_id,
            thread.title,
            post.status,
            post.body,
            post.created_at,
            post.screen_labels,
        )
        .join(thread, thread.id == post.thread_id)
        .where(post.author_id == author_id)
        .order_by(post.id.desc())
        .limit(POST_LIMIT)
    )
    return [PostLine(r[0], r[1], r[2], r[3], r[4][:200], r[5], list(r[6] or [])) for r in rows]


@get("/clinician/footprint", guards=[require_role(Role.CLINICIAN)])
async def footprint(request: AnyRequest, db_session: AsyncSession) -> Response[str]:
    user = current_user(request)
    assert user is not None
    articles: list[Article] = await articles_by(db_session, user.id)
    posts = await posts_by(db_session, user.id)
    items = await items_by_author(db_session, user.id)
    by_target: dict[tuple[str, int], list[ReviewItem]] = defaultdict(list)
    for item in items:
        by_target[(item.target_type, item.target_id)].append(item)
    people = await usernames(
        db_session,
        {
            *(h.actor_id for i in items for h in i.history),
            *(r.reviewer_id for a in articles for v in a.versions for r in v.reviews),
        },
    )
    return render(
        request,
        "moderation/footprint.html",
        {"articles": articles, "posts": posts, "items": by_target, "people": people},
    )
