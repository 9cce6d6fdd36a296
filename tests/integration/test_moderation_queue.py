"""The review queue through HTTP: the permission matrix, optimistic locking, history,
flags, appeals, notes and penalties, and that nothing moderated is deleted."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import anyio
import pytest
from sqlalchemy import func, select

from community.accounts.models import User, UserRole
from community.accounts.passwords import hash_password
from community.audit import AuditEntry
from community.screening import HeldContent, ScreenAction, ScreenLabel, Span, Verdict
from community.web import SESSION_COOKIE
from moderation.queue.models import (
    Appeal,
    Flag,
    ModeratorNote,
    Penalty,
    ReviewHistory,
    ReviewItem,
)
from moderation.queue.services import can_post
from moderation.queue.sink import QueueReviewSink
from tests.helpers import STRONG_PASSWORD, Visitor

ROLES = ["patient", "clinician", "moderator", "admin"]


_PASSWORD_HASH: list[str] = []


def as_role(visitor: Visitor, username: str, role: str) -> int:
    """A signed-in person holding `role` (patients hold only their default role).

    Made directly, with one password hash for the whole run: registration and sign-in
    have their own tests, and hashing per person would make these take seconds.
    """
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(anyio.run(hash_password, STRONG_PASSWORD))

    async def create(runtime: Any) -> tuple[int, str]:
        async with runtime.sessionmaker() as db:
            user = User(
                username=username,
                username_key=username.lower(),
                email=f"{username}@example.org",
                password_hash=_PASSWORD_HASH[0],
            )
            user.roles.append(UserRole(role="patient"))
            if role != "patient":
                user.roles.append(UserRole(role=role))
            db.add(user)
            await db.commit()
            token: str = await runtime.sessions.create(
                user.id,
                user.privilege_version,
                lifetime=timedelta(hours=1),
                client_address="testclient",
                user_agent="pytest",
            )
            return user.id, token

    user_id, token = visitor.run(create)
    visitor.jar.set(SESSION_COOKIE, token, domain="testserver.local")
    return user_id


def make_post(visitor: Visitor, author_id: int, body: str = "Call me on 555 0100") -> int:
    """A held post in a fresh community, written straight to the database."""
    from community.communities.models import Community, Post, Thread

    async def work(runtime: Any) -> int:
        async with runtime.sessionmaker() as db:
            count = await db.scalar(select(func.count()).select_from(Community))
            community = Community(
                slug=f"c{count}", name="Lupus", icd10="M32", condition_slug="lupus"
            )
            db.add(community)
            await db.flush()
            thread = Thread(
                community_id=community.id, author_id=author_id, title="Hello", status="pending"
            )
            db.add(thread)
            await db.flush()
            post = Post(
                thread_id=thread.id,
                author_id=author_id,
                body=body,
                body_html=body,
                status="pending",
            )
            db.add(post)
            await db.commit()
            return post.id

    return visitor.run(work)


def post_status(visitor: Visitor, post_id: int) -> str:
    from community.communities.models import Post

    return str(scalar(visitor, select(Post.status).where(Post.id == post_id)))


def hold(
    visitor: Visitor,
    author_id: int,
    *,
    target_id: int | None = None,
    label: str = "identifying",
    excerpt: str = "Call me on 555 0100",
    target_type: str = "post",
) -> int:
    """What the core does when screening holds a post: hand it to the review sink."""
    if target_id is None:
        target_id = make_post(visitor, author_id, excerpt)
    verdict = Verdict(
        labels=(ScreenLabel(label),), action=ScreenAction.HOLD, spans=(Span(8, 19, "phone"),)
    )

    async def work(runtime: Any) -> int:
        async with runtime.sessionmaker() as db:
            await QueueReviewSink().open_review(
                db,
                HeldContent(
                    target_type=target_type,
                    target_id=target_id,
                    author_id=author_id,
                    verdict=verdict,
                    excerpt=excerpt,
                ),
            )
            await db.commit()
            return await db.scalar(
                select(ReviewItem.id).where(
                    ReviewItem.target_type == target_type,
                    ReviewItem.target_id == target_id,
                    ReviewItem.reason == label,
                )
            )

    return visitor.run(work)


def scalar(visitor: Visitor, statement: Any) -> Any:
    async def work(runtime: Any) -> Any:
        async with runtime.sessionmaker() as db:
            return await db.scalar(statement)

    return visitor.run(work)


def rows(visitor: Visitor, model: Any) -> int:
    return int(scalar(visitor, select(func.count()).select_from(model)))


def item_version(visitor: Visitor, item_id: int) -> int:
    return int(scalar(visitor, select(ReviewItem.version).where(ReviewItem.id == item_id)))


def item_status(visitor: Visitor, item_id: int) -> str:
    return str(scalar(visitor, select(ReviewItem.status).where(ReviewItem.id == item_id)))


def decide(
    visitor: Visitor, item_id: int, action: str, version: int | None = None, note: str = ""
) -> Any:
    if version is None:
        version = item_version(visitor, item_id)
    return visitor.post(
        f"/moderation/items/{item_id}/decide",
        {"action": action, "version": str(version), "note": note},
    )


@pytest.fixture
def author(new_visitor: Any) -> tuple[Visitor, int]:
    person = new_visitor()
    return person, as_role(person, "held_author", "patient")


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_for_every_queue_action(
    visitor: Visitor, new_visitor: Any, author: tuple[Visitor, int], role: str
) -> None:
    author_visitor, author_id = author
    as_role(visitor, f"acting_{role}", role)
    staff = role in {"moderator", "admin"}
    item = hold(visitor, author_id)
    expected = 303 if staff else 403
    moderator = None
    if not staff:
        # A moderator moves the item on after each refusal so every action is tried.
        moderator = new_visitor()
        as_role(moderator, "helper_mod", "moderator")

    assert visitor.get("/moderation").status_code == (200 if staff else 403)
    assert visitor.get(f"/moderation/items/{item}").status_code == (200 if staff else 403)
    for action, after in [
        ("approve", "approved"),
        ("reopen", "pending"),
        ("ignore", "ignored"),
        ("reopen", "pending"),
        ("reject", "rejected"),
    ]:
        response = decide(visitor, item, action, note=f"{action} by {role}")
        assert response.status_code == expected, (action, response.text[:300])
        if moderator is not None:
            assert decide(moderator, item, action).status_code == 303
        assert item_status(visitor, item) == after

    # Notes and penalties on a person.
    note = visitor.post(f"/moderation/people/{author_id}/notes", {"text": "Watch this one."})
    assert note.status_code == expected
    silence = visitor.post(
        f"/moderation/people/{author_id}/penalties",
        {"kind": "silence", "days": "3", "reason": "Spam"},
    )
    assert silence.status_code == expected
    suspend = visitor.post(
        f"/moderation/people/{author_id}/penalties",
        {"kind": "suspend", "days": "", "reason": "Repeated doxxing"},
    )
    assert suspend.status_code == expected
    assert visitor.get(f"/moderation/people/{author_id}").status_code == (200 if staff else 403)

    # The appeal belongs to the author alone; its decision to staff alone.
    appeal = visitor.post(f"/moderation/items/{item}/appeal", {"text": "It was my own number."})
    assert appeal.status_code == 404, "only the author may appeal"
    if staff:
        assert rows(visitor, ModeratorNote) == 1
        assert rows(visitor, Penalty) == 2
        assert author_visitor.get("/account").status_code == 303, "suspension ends sessions"
        return
    assert rows(visitor, ModeratorNote) == rows(visitor, Penalty) == 0


def test_appeal_lands_back_in_the_queue_and_staff_decide_it(
    visitor: Visitor, new_visitor: Any, author: tuple[Visitor, int]
) -> None:
    author_visitor, author_id = author
    as_role(visitor, "the_moderator", "moderator")
    item = hold(visitor, author_id)
    early = author_visitor.post(f"/moderation/items/{item}/appeal", {"text": "Please look"})
    assert early.status_code == 409, "nothing to appeal before a decision"
    assert decide(visitor, item, "reject", note="Phone number").status_code == 303
    from community.notifications.models import Notification

    told = scalar(visitor, select(Notification.link).where(Notification.user_id == author_id))
    assert told == f"/moderation/items/{item}/appeal", "the author learns they may appeal"
    page = author_visitor.get(f"/moderation/items/{item}/appeal")
    assert page.status_code == 200 and "Send appeal" in page.text
    empty = author_visitor.post(f"/moderation/items/{item}/appeal", {"text": "  "})
    assert empty.status_code == 400
    assert (
        author_visitor.post(
            f"/moderation/items/{item}/appeal", {"text": "It is the clinic's public number."}
        ).status_code
        == 303
    )
    assert item_status(visitor, item) == "pending"
    queue = visitor.get("/moderation")
    assert f"/moderation/items/{item}" in queue.text
    detail = visitor.get(f"/moderation/items/{item}")
    assert "It is the clinic&#39;s public number." in detail.text
    # Patients and clinicians cannot decide the appeal; staff can.
    clinician = new_visitor()
    as_role(clinician, "a_clinician", "clinician")
    assert decide(clinician, item, "approve").status_code == 403
    assert decide(author_visitor, item, "approve").status_code == 403
    assert decide(visitor, item, "approve", note="Public number").status_code == 303
    assert item_status(visitor, item) == "approved"
    actions = [h for h in visitor.run(_history(item))]
    assert actions == ["opened", "reject", "appealed", "approve"]
    assert rows(visitor, Appeal) == 1


def _history(item_id: int) -> Any:
    async def work(runtime: Any) -> list[str]:
        async with runtime.sessionmaker() as db:
            return list(
                await db.scalars(
                    select(ReviewHistory.action)
                    .where(ReviewHistory.item_id == item_id)
                    .order_by(ReviewHistory.id)
                )
            )

    return work


def test_stale_decision_answers_409_and_changes_nothing(
    visitor: Visitor, new_visitor: Any, author: tuple[Visitor, int]
) -> None:
    _, author_id = author
    as_role(visitor, "first_mod", "moderator")
    other = new_visitor()
    as_role(other, "second_mod", "admin")
    item = hold(visitor, author_id)
    page = other.get(f"/moderation/items/{item}")
    shown_version = int(re.search(r'name="version" value="(\d+)"', page.text).group(1))
    assert decide(visitor, item, "approve", version=shown_version).status_code == 303
    stale = decide(other, item, "reject", version=shown_version)
    assert stale.status_code == 409
    assert "Someone else" in stale.text
    assert item_status(visitor, item) == "approved"
    missing = visitor.post(f"/moderation/items/{item}/decide", {"action": "reopen"})
    assert missing.status_code == 400
    unknown = decide(visitor, item, "delete")
    assert unknown.status_code == 400


def test_one_item_per_target_and_reason_reopened_not_duplicated(
    visitor: Visitor, author: tuple[Visitor, int]
) -> None:
    _, author_id = author
    as_role(visitor, "queue_mod", "moderator")
    post = make_post(visitor, author_id)
    first = hold(visitor, author_id, target_id=post)
    assert hold(visitor, author_id, target_id=post) == first, "same target and reason joins"
    # The same text screened again while it waits adds nothing (no flag, no score).
    assert rows(visitor, Flag) == 1
    assert decide(visitor, first, "approve").status_code == 303
    assert post_status(visitor, post) == "published"
    again = hold(visitor, author_id, target_id=post, excerpt="Edited: call me on 555 0199")
    assert again == first
    assert item_status(visitor, first) == "pending"
    assert rows(visitor, ReviewItem) == 1
    assert rows(visitor, Flag) == 2
    other_reason = hold(visitor, author_id, target_id=post, label="promotion")
    assert other_reason != first and rows(visitor, ReviewItem) == 2
    assert (
        scalar(
            visitor,
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("review.%")),
        )
        >= 4
    )


def test_crisis_comes_first_with_its_age_and_overdue_items_are_marked(
    visitor: Visitor, author: tuple[Visitor, int]
) -> None:
    _, author_id = author
    as_role(visitor, "sla_mod", "moderator")
    older = hold(visitor, author_id, label="promotion", excerpt="Buy my cure")
    crisis = hold(visitor, author_id, label="urgent", excerpt="I cannot go on")

    async def age(runtime: Any) -> None:
        from datetime import timedelta

        async with runtime.sessionmaker() as db:
            row = await db.get(ReviewItem, older)
            row.opened_at = row.opened_at - timedelta(days=3)
            await db.commit()

    visitor.run(age)
    page = visitor.get("/moderation")
    assert page.status_code == 200
    assert page.text.index("I cannot go on") < page.text.index("Buy my cure")
    assert "3 days" in page.text and "over target" in page.text
    assert "crisis" in page.text
    from community.notifications.models import Notification

    assert (
        scalar(
            visitor,
            select(func.count())
            .select_from(Notification)
            .where(Notification.link == f"/moderation/items/{crisis}"),
        )
        == 1
    ), "the moderator was told"
    fragment = visitor.get("/moderation", htmx=True)
    assert "<html" not in fragment.text and "queue-items" in fragment.text
    assert crisis


def test_member_flags_add_scored_reasons(
    visitor: Visitor, new_visitor: Any, author: tuple[Visitor, int]
) -> None:
    _, author_id = author
    as_role(visitor, "flagging_patient", "patient")
    response = visitor.post(
        "/flags",
        {
            "target_type": "user",
            "target_id": str(author_id),
            "reason": "spam",
            "note": "Sells pills",
            "next": "/",
        },
    )
    assert response.status_code == 303
    again = visitor.post(
        "/flags",
        {"target_type": "user", "target_id": str(author_id), "reason": "spam", "next": "/"},
    )
    assert again.status_code == 303
    assert rows(visitor, Flag) == 1, "one flag per person per item"
    second = new_visitor()
    as_role(second, "flagging_mod", "moderator")
    second.post("/flags", {"target_type": "user", "target_id": str(author_id), "reason": "spam"})
    assert scalar(visitor, select(ReviewItem.score)) == pytest.approx(3.0)
    assert scalar(visitor, select(ReviewItem.reason)) == "promotion"
    bad = [
        {"target_type": "user", "target_id": str(author_id), "reason": "boring"},
        {"target_type": "user", "target_id": str(author_id), "reason": "other"},
        {"target_type": "bank", "target_id": "1", "reason": "spam"},
        {"target_type": "user", "target_id": "x", "reason": "spam"},
    ]
    for form in bad:
        assert visitor.post("/flags", form).status_code == 400, form
    assert (
        visitor.post(
            "/flags", {"target_type": "user", "target_id": "999999", "reason": "spam"}
        ).status_code
        == 404
    )
    signed_out = new_visitor()
    assert (
        signed_out.post(
            "/flags", {"target_type": "user", "target_id": str(author_id), "reason": "spam"}
        ).status_code
        == 401
    )
    form_page = visitor.get(f"/flags/new?target_type=user&target_id={author_id}")
    assert form_page.status_code == 200 and 'name="reason"' in form_page.text


def test_silence_blocks_posting_and_suspension_ends_sessions(
    visitor: Visitor, new_visitor: Any, author: tuple[Visitor, int]
) -> None:
    author_visitor, author_id = author
    as_role(visitor, "penal_mod", "moderator")
    check = lambda: visitor.run(_can_post(author_id))  # noqa: E731
    assert check() is True
    visitor.post(
        f"/moderation/people/{author_id}/penalties",
        {"kind": "silence", "days": "2", "reason": "Cooling off"},
    )
    assert check() is False
    assert author_visitor.get("/account").status_code == 200, "silenced people stay signed in"
    penalty_id = scalar(visitor, select(Penalty.id))
    assert (
        visitor.post(f"/moderation/people/{author_id}/penalties/{penalty_id}/lift").status_code
        == 303
    )
    assert check() is True
    visitor.post(
        f"/moderation/people/{author_id}/penalties",
        {"kind": "suspend", "days": "7", "reason": "Harassment"},
    )
    assert check() is False
    assert author_visitor.get("/account").status_code == 303
    assert author_visitor.login("held_author").status_code == 400
    page = visitor.get(f"/moderation/people/{author_id}")
    assert "Harassment" in page.text and "Cooling off" in page.text, "history is kept"
    assert rows(visitor, Penalty) == 2
    for form in [
        {"kind": "ban", "reason": "x"},
        {"kind": "silence", "reason": ""},
        {"kind": "silence", "reason": "x", "days": "0"},
    ]:
        assert visitor.post(f"/moderation/people/{author_id}/penalties", form).status_code == 400


def test_moderators_cannot_penalise_staff_or_themselves(visitor: Visitor, new_visitor: Any) -> None:
    mod_id = as_role(visitor, "plain_mod", "moderator")
    admin = new_visitor()
    admin_id = as_role(admin, "big_admin", "admin")
    form = {"kind": "silence", "days": "1", "reason": "test"}
    assert visitor.post(f"/moderation/people/{admin_id}/penalties", form).status_code == 403
    assert visitor.post(f"/moderation/people/{mod_id}/penalties", form).status_code == 403
    assert admin.post(f"/moderation/people/{mod_id}/penalties", form).status_code == 303


def _can_post(user_id: int) -> Any:
    async def work(runtime: Any) -> bool:
        async with runtime.sessionmaker() as db:
            return await can_post(db, user_id)

    return work


def test_nothing_moderated_is_deleted(visitor: Visitor, author: tuple[Visitor, int]) -> None:
    _, author_id = author
    as_role(visitor, "keeper_mod", "moderator")
    items = [
        hold(visitor, author_id, label=label)
        for label in ["identifying", "promotion", "clinician_advice"]
    ]
    post_ids = [
        scalar(visitor, select(ReviewItem.target_id).where(ReviewItem.id == i)) for i in items
    ]
    before = {m: rows(visitor, m) for m in (ReviewItem, Flag, ReviewHistory)}
    for item, action in zip(items, ["reject", "ignore", "approve"], strict=True):
        assert decide(visitor, item, action).status_code == 303
        assert decide(visitor, item, "reopen").status_code == 303
        assert decide(visitor, item, "reject").status_code == 303
    from community.communities.models import Post

    assert rows(visitor, Post) == 3
    assert [post_status(visitor, p) for p in post_ids] == ["removed"] * 3
    assert rows(visitor, ReviewItem) == before[ReviewItem]
    assert rows(visitor, Flag) == before[Flag]
    assert rows(visitor, ReviewHistory) == before[ReviewHistory] + 9
    assert rows(visitor, User) == 2
