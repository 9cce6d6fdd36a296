"""A silenced person cannot write anything others see, wherever they try; lifting restores it."""

from __future__ import annotations

from sqlalchemy import select

from community.accounts.models import Role, User
from moderation.queue.models import Penalty
from moderation.queue.services import issue_penalty
from tests.integration.test_communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    seed,
    settings,
    start_thread,
)


def silence(visitor, username: str) -> None:  # type: ignore[no-untyped-def]
    async def _silence(runtime):  # type: ignore[no-untyped-def]
        async with runtime.sessionmaker() as db:
            moderator = await db.scalar(select(User).where(User.username == "penalty_mod"))
            subject = await db.scalar(select(User).where(User.username == username))
            await issue_penalty(db, runtime, moderator, subject, kind="silence", days=3,
                                reason="repeated promotion")
            await db.commit()

    visitor.run(_silence)


def test_silenced_person_cannot_post_reply_or_message(new_visitor) -> None:
    moderator = person(new_visitor, "penalty_mod", role=Role.MODERATOR)
    seed(moderator)
    writer = person(new_visitor, "loud_writer", joins=("migraine",))
    friend = person(new_visitor, "quiet_friend", joins=("migraine",))
    thread_id = start_thread(friend, "migraine", "Cold packs?", "Do cold packs help anyone?")
    silence(moderator, "loud_writer")

    new_thread = writer.post("/communities/migraine/threads",
                             {"title": "Buy my pills", "body": "cheap", "audience": "members",
                              "kind": "discussion"})
    assert new_thread.status_code == 403
    assert "penalty" in new_thread.text
    assert writer.post(f"/threads/{thread_id}/replies", {"body": "me too"}).status_code == 403
    message = writer.post("/messages/quiet_friend", {"body": "hello"})
    assert message.status_code == 403 and "penalty" in message.text
    page = friend.get(f"/threads/{thread_id}")
    assert "me too" not in page.text

    async def _lift(db):  # type: ignore[no-untyped-def]
        penalty = await db.scalar(select(Penalty).where(Penalty.kind == "silence"))
        from community.db import utcnow

        penalty.lifted_at = utcnow()

    db_run(moderator, _lift)
    assert writer.post(f"/threads/{thread_id}/replies", {"body": "me too"}).status_code == 303
    assert writer.post("/messages/quiet_friend", {"body": "hello"}).status_code == 303
