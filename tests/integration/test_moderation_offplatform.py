"""Personal-advice requests moved off-platform: the standard reply by a verified
clinician or a moderator; the post is kept, hidden, and its author is told."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from moderation.queue.models import ReviewHistory
from tests.helpers import Visitor
from tests.integration.test_education import verified_clinician
from tests.integration.test_moderation_queue import (
    as_role,
    hold,
    item_status,
    item_version,
    post_status,
    rows,
    scalar,
)


def join_thread_community(visitor: Visitor, user_id: int, thread_id: int) -> None:
    from community.communities.models import Membership, Thread

    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db:
            thread = await db.get(Thread, thread_id)
            db.add(Membership(user_id=user_id, community_id=thread.community_id))
            await db.commit()

    visitor.run(work)


def test_verified_clinician_sends_the_standard_reply(visitor: Visitor, new_visitor: Any) -> None:
    from community.communities.models import Post
    from community.notifications.models import Notification

    author = new_visitor()
    author_id = as_role(author, "worried_patient", "patient")
    item = hold(
        visitor, author_id, label="advice_request", excerpt="Should I double my methotrexate dose?"
    )
    post_id = scalar(visitor, select(func.max(Post.id)))
    for role in ("patient", "clinician"):
        other = new_visitor()
        as_role(other, f"no_{role}", role)
        assert other.get("/moderation/off-platform").status_code == 403
        assert (
            other.post(
                f"/moderation/items/{item}/answer", {"version": str(item_version(visitor, item))}
            ).status_code
            == 403
        )
    verified_clinician(visitor, "dr_answer", "Dr Answer")
    page = visitor.get("/moderation/off-platform")
    assert page.status_code == 200 and "double my methotrexate" in page.text
    version = item_version(visitor, item)
    assert (
        visitor.post(f"/moderation/items/{item}/answer", {"version": str(version)}).status_code
        == 303
    )
    assert item_status(visitor, item) == "rejected"
    assert (
        visitor.post(f"/moderation/items/{item}/answer", {"version": str(version)}).status_code
        == 409
    )
    assert "was answered" in scalar(
        visitor, select(Notification.text).where(Notification.user_id == author_id)
    )
    assert (
        scalar(visitor, select(ReviewHistory.action).order_by(ReviewHistory.id.desc())) == "answer"
    )
    assert rows(visitor, Post) == 2, "the reply is in the thread"
    answer = scalar(visitor, select(Post.body).where(Post.id != post_id))
    assert answer.startswith("Thank you for asking")
    assert post_status(visitor, post_id) == "off_platform", "kept, never deleted"
    from community.audit import AuditEntry
    from community.communities.models import Thread

    detail = scalar(visitor, select(AuditEntry.detail).where(
        AuditEntry.action == "post.off_platform_answered"))
    assert detail["in_thread"] is True
    assert scalar(visitor, select(Thread.moved_off_platform_at)) is not None
    # The asker sees the answer under their post; nobody else can read the thread.
    thread_id = scalar(visitor, select(Post.thread_id).where(Post.id == post_id))
    join_thread_community(visitor, author_id, thread_id)
    seen = author.get(f"/threads/{thread_id}")
    assert seen.status_code == 200 and "Thank you for asking" in seen.text
    stranger = new_visitor()
    as_role(stranger, "curious_other", "patient")
    assert "Thank you for asking" not in stranger.get(f"/threads/{thread_id}").text
