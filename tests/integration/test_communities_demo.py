"""Demo data: communities, memberships, threads and replies, deterministic for a seed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from community.communities import demo as communities_demo
from community.communities.models import Community, Membership, Post, PostVersion, Thread
from community.demo import create_people
from community.markdown import render_markdown
from tests.communities_support import db_run, scalar
from tests.helpers import Visitor


def test_demo_load_fills_communities_in_bulk(visitor: Visitor) -> None:
    async def _load(db: Any) -> str:
        people, staff = await create_people(db, patients=60, seed=7)
        return await communities_demo.load(db, people=people, staff=staff, seed=7)

    summary = db_run(visitor, _load)
    assert "16 communities" in summary
    posts = scalar(visitor, select(func.count()).select_from(Post))
    assert posts >= 60 and scalar(visitor, select(func.count()).select_from(PostVersion)) == posts
    members = scalar(visitor, select(func.count()).select_from(Membership))
    assert scalar(visitor, select(func.sum(Community.member_count))) == members
    busiest = scalar(visitor, select(Thread.id).order_by(Thread.reply_count.desc()).limit(1))
    replies = scalar(visitor, select(Thread.reply_count).where(Thread.id == busiest))
    assert scalar(visitor, select(func.count()).select_from(Post)
                  .where(Post.thread_id == busiest)) == replies + 1
    page = visitor.get("/search?q=weeks")
    assert page.status_code == 200 and "<mark>" in page.text.lower()
    titles = db_run(visitor, lambda db: _titles(db))
    assert all(titles) and len(set(titles)) > 10


async def _titles(db: Any) -> list[str]:
    return list(await db.scalars(select(Thread.title).order_by(Thread.id)))


def test_demo_posts_per_patient_sets_the_volume(visitor: Visitor) -> None:
    async def _load(db: Any) -> str:
        people, staff = await create_people(db, patients=400, seed=5)
        return await communities_demo.load(db, people=people, staff=staff, seed=5,
                                           posts_per_patient=2)

    db_run(visitor, _load)
    posts = scalar(visitor, select(func.count()).select_from(Post))
    assert 1.5 * 400 <= posts <= 2.5 * 400
    assert scalar(visitor, select(func.max(Thread.reply_count))) >= 8, "long threads remain"
    # Bodies are rendered a paragraph at a time: the stored HTML is what the renderer gives.
    stored = db_run(visitor, lambda db: _bodies(db))
    assert all(html == render_markdown(body) for body, html in stored)


async def _bodies(db: Any) -> list[tuple[str, str]]:
    return [(body, html) for body, html in await db.execute(select(Post.body, Post.body_html))]
