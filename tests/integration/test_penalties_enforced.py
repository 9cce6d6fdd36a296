"""A silenced person cannot write anything others see, wherever they try; lifting restores it.
A suspension that has run out lets the person back in, at start-up and while the app runs."""

from __future__ import annotations

from datetime import timedelta

import httpx
from litestar.testing import TestClient
from sqlalchemy import select

from community.accounts.models import Role, User
from community.app import create_app
from moderation.queue.expiry import end_suspensions_now
from moderation.queue.models import Penalty
from moderation.queue.services import issue_penalty
from tests.communities_support import (  # noqa: F401 - fixtures
    app,
    db_run,
    person,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor


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


def suspend(moderator, member_id: int, days: int = 2) -> None:  # type: ignore[no-untyped-def]
    response = moderator.post(f"/moderation/people/{member_id}/penalties",
                              {"kind": "suspend", "days": str(days), "reason": "spam links"})
    assert response.status_code == 303, response.text


def run_out(visitor, username: str) -> None:  # type: ignore[no-untyped-def]
    """Move the person's suspensions into the past, as if their days had gone by."""

    async def _run_out(db):  # type: ignore[no-untyped-def]
        from community.db import utcnow

        user_id = await db.scalar(select(User.id).where(User.username == username))
        for penalty in await db.scalars(select(Penalty).where(Penalty.user_id == user_id)):
            penalty.until = utcnow() - timedelta(minutes=5)

    db_run(visitor, _run_out)


def suspended_member(new_visitor, username: str):  # type: ignore[no-untyped-def]
    """A member with a real password (they sign in again later), suspended for two days."""
    member = new_visitor()
    member.signup_and_login(username)
    assert member.post("/communities/migraine/join").status_code == 303
    moderator = person(new_visitor, f"mod_of_{username}", role=Role.MODERATOR)
    member_id = db_run(member, lambda db: db.scalar(select(User.id)
                                                     .where(User.username == username)))
    suspend(moderator, member_id)
    assert member.login(username).status_code != 303
    return member, moderator, member_id


def test_ended_suspension_lets_the_member_sign_in_and_post_after_a_restart(new_visitor) -> None:
    seed(new_visitor())
    member, moderator, member_id = suspended_member(new_visitor, "back_after_break")
    run_out(member, "back_after_break")

    # The app starts again (a deploy, a restart): before the first request, the
    # suspension that has run out no longer keeps the member out.
    restarted = create_app(member.app.state.runtime.settings)
    with TestClient(restarted, base_url="http://testserver.local") as client:
        returning = Visitor(client, httpx.Cookies())
        assert returning.login("back_after_break").status_code == 303
        start_thread(returning, "migraine", "Back again", "Glad to be back with you all.")

    record = moderator.get(f"/moderation/people/{member_id}")
    assert record.status_code == 200
    penalties = record.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "ended" in penalties and "lifted" not in penalties and "active" not in penalties
    penalty = db_run(member, lambda db: db.scalar(select(Penalty)))
    assert penalty.lifted_at is None and penalty.lifted_by_id is None
    actions = db_run(member, lambda db: _audit_actions(db, member_id))
    assert actions.count("penalty.suspend_ended") == 1


def test_running_app_ends_suspensions_that_ran_out_and_only_those(new_visitor) -> None:
    seed(new_visitor())
    member, _moderator, member_id = suspended_member(new_visitor, "ran_out_member")
    still, moderator, still_id = suspended_member(new_visitor, "still_suspended")
    run_out(member, "ran_out_member")

    # The pass the app runs every minute.
    assert member.run(end_suspensions_now) == 1
    assert member.login("ran_out_member").status_code == 303
    start_thread(member, "migraine", "Back", "Thanks for having me back.")
    assert still.login("still_suspended").status_code != 303
    assert member.run(end_suspensions_now) == 0

    # One suspension ran out but a later, longer one still runs: the member stays out.
    suspend(moderator, still_id, days=10)
    run_out_oldest = db_run(still, lambda db: _run_out_oldest(db, still_id))
    assert run_out_oldest
    assert member.run(end_suspensions_now) == 0
    assert still.login("still_suspended").status_code != 303
    assert db_run(still, lambda db: db.scalar(select(User.is_active)
                                               .where(User.id == still_id))) is False
    assert db_run(member, lambda db: db.scalar(select(User.is_active)
                                                .where(User.id == member_id))) is True


def test_signing_in_ends_a_suspension_that_ran_out_without_waiting_for_the_pass(
    new_visitor,
) -> None:
    seed(new_visitor())
    member, _moderator, member_id = suspended_member(new_visitor, "early_return")
    still, _other_moderator, still_id = suspended_member(new_visitor, "not_yet_back")
    run_out(member, "early_return")

    # A wrong password neither signs in nor turns the account back on.
    assert member.login("early_return", password="not the password at all").status_code != 303
    assert db_run(member, lambda db: db.scalar(select(User.is_active)
                                                .where(User.id == member_id))) is False
    assert member.login("early_return").status_code == 303
    start_thread(member, "migraine", "Back early", "The break did me good.")
    actions = db_run(member, lambda db: _audit_actions(db, member_id))
    assert actions.count("penalty.suspend_ended") == 1
    # The periodic pass finds nothing left to do; a suspension still running keeps its person out.
    assert member.run(end_suspensions_now) == 0
    assert still.login("not_yet_back").status_code != 303
    assert db_run(still, lambda db: db.scalar(select(User.is_active)
                                               .where(User.id == still_id))) is False


async def _run_out_oldest(db, user_id: int) -> bool:  # type: ignore[no-untyped-def]
    from community.db import utcnow

    oldest = await db.scalar(select(Penalty).where(Penalty.user_id == user_id)
                             .order_by(Penalty.id).limit(1))
    oldest.until = utcnow() - timedelta(minutes=1)
    return True


async def _audit_actions(db, user_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    from community.audit import AuditEntry

    return list(await db.scalars(select(AuditEntry.action)
                                 .where(AuditEntry.target_id == str(user_id))))
