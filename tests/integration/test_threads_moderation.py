"""The screening hook's other half: pre-moderated first posts and moderation decisions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from community.audit import AuditEntry
from community.communities.models import Thread
from community.communities.services import apply_moderation_decision, get_post_for_moderation
from community.settings import Settings
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    opening_post,
    person,
    post_status,
    reply,
    reviews,
    scalar,
    seed,
)
from tests.helpers import Visitor


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(premoderate_first_posts=2)


def test_first_posts_are_held_for_review_without_labels(
    visitor: Visitor, new_visitor: Callable[[], Visitor]
) -> None:
    seed(visitor)
    newcomer = person(new_visitor, "new_nell", joins=("migraine",))
    reader = person(new_visitor, "reader_rob", joins=("migraine",))
    response = newcomer.post("/communities/migraine/threads",
                             {"title": "Hello all", "body": "First post", "audience": "public"})
    thread = int(response.headers["location"].rsplit("/", 1)[1])
    first = opening_post(newcomer, thread)
    assert post_status(newcomer, first) == "pending"
    held = reviews(newcomer)[-1]
    assert held.target_id == first and held.verdict.labels == () and held.verdict.action == "hold"
    assert reader.get(f"/threads/{thread}").status_code == 404
    assert "Waiting for review" in newcomer.get(f"/threads/{thread}").text

    def decide(status: str, post_id: int) -> Any:
        return db_run(visitor, lambda db: apply_moderation_decision(
            db, post_id, status=status, actor_id=None))

    decide("published", first)
    assert "First post" in reader.get(f"/threads/{thread}").text
    second = reply(newcomer, thread, "Second post")
    assert post_status(newcomer, second) == "pending", "still within the first two"
    decide("published", second)
    assert scalar(visitor, select(Thread.reply_count).where(Thread.id == thread)) == 1
    third = reply(newcomer, thread, "Third post")
    assert post_status(newcomer, third) == "published", "two published posts: trusted now"
    assert scalar(visitor, select(Thread.reply_count).where(Thread.id == thread)) == 2
    decide("removed", third)
    assert "Third post" not in reader.get(f"/threads/{thread}").text
    assert scalar(visitor, select(Thread.reply_count).where(Thread.id == thread)) == 1
    decide("published", third)
    assert "Third post" in reader.get(f"/threads/{thread}").text, "restore keeps everything"
    assert scalar(visitor, select(func.count()).select_from(AuditEntry)
                  .where(AuditEntry.action == "post.status_changed")) == 4
    loaded = db_run(visitor, lambda db: get_post_for_moderation(db, third))
    assert loaded.thread.community.slug == "migraine" and loaded.author.username == "new_nell"
    with pytest.raises(ValueError):
        decide("author_deleted", third)
    with pytest.raises(LookupError):
        decide("removed", 10**9)
