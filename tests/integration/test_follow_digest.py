"""Following threads and communities, per-kind preferences, and e-mail digests through the
outbox with a signed one-click unsubscribe; a digest is never sent twice for one period."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from community.db import utcnow
from community.notifications.digest import send_due
from community.notifications.models import DigestClaim, Notification
from tests.communities_support import (
    app,
    person,
    reply,
    scalar,
    seed,
    settings,
    start_thread,
)
from tests.helpers import Visitor, outbox_messages

__all__ = ["app", "settings"]


def notes_of(visitor: Visitor, username: str, kind: str) -> list[str]:
    from community.accounts.models import User

    async def work(runtime: Any) -> list[str]:
        async with runtime.sessionmaker() as db:
            user_id = await db.scalar(select(User.id).where(User.username == username))
            return list(await db.scalars(select(Notification.text).where(
                Notification.user_id == user_id, Notification.kind == kind)))

    return visitor.run(work)


def test_posting_follows_and_replies_reach_followers_who_can_read(
        new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_fol", joins=("lupus",))
    bo = person(new_visitor, "bo_fol", joins=("lupus",))
    cy = person(new_visitor, "cy_fol", joins=("lupus",))
    thread = start_thread(ana, "lupus", title="Sun and rashes")
    assert "Stop following" in ana.get(f"/threads/{thread}").text  # automatic for the author
    # Cy follows by hand, Bo by replying.
    followed = cy.post(f"/threads/{thread}/follow")
    assert followed.status_code == 303
    assert "You follow this thread" in cy.get(followed.headers["location"]).text
    reply(bo, thread, "Hats help me.")
    assert notes_of(bo, "ana_fol", "reply") and notes_of(bo, "cy_fol", "reply")
    assert not notes_of(bo, "bo_fol", "reply")  # nobody hears of their own reply
    # Cy leaves the community: a members-only thread's replies stop reaching her.
    assert cy.post("/communities/lupus/leave").status_code == 303
    reply(ana, thread, "Thanks, @bo_fol and @cy_fol.")
    assert len(notes_of(ana, "cy_fol", "reply")) == 1
    assert not notes_of(ana, "cy_fol", "mention")
    # Bo follows (he replied) and was mentioned: told once, of the mention.
    assert len(notes_of(ana, "bo_fol", "mention")) == 1
    assert not notes_of(ana, "bo_fol", "reply")
    reply(ana, thread, "One more thing.")
    assert len(notes_of(ana, "bo_fol", "reply")) == 1
    # Unfollowing stops replies.
    assert bo.post(f"/threads/{thread}/follow", {"action": "unfollow"}).status_code == 303
    reply(ana, thread, "And a last one.")
    assert len(notes_of(ana, "bo_fol", "reply")) == 1


def test_following_a_community_announces_new_threads(new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_com", joins=("lupus",))
    bo = person(new_visitor, "bo_com", joins=("lupus",))
    assert bo.post("/communities/lupus/follow").status_code == 303
    assert "Stop following" in bo.get("/communities/lupus").text
    start_thread(ana, "lupus", title="Fatigue after flares")
    assert any("Fatigue after flares" in t for t in notes_of(ana, "bo_com", "new_thread"))
    outsider = person(new_visitor, "cy_com")
    assert outsider.post("/communities/lupus/follow").status_code == 303
    start_thread(ana, "lupus", title="Members only news")
    assert not notes_of(ana, "cy_com", "new_thread")  # cannot read members-only threads


def test_a_kind_turned_off_creates_nothing(new_visitor: Callable[[], Visitor]) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_off", joins=("lupus",))
    bo = person(new_visitor, "bo_off", joins=("lupus",))
    page = ana.get("/notifications/settings").text
    assert 'name="reply"' in page
    form = {"reply": "off", "mention": "site", "reaction": "site", "new_thread": "site",
            "message": "site", "moderation": "site"}
    saved = ana.post("/notifications/settings", form)
    assert saved.status_code == 303
    assert "saved" in ana.get(saved.headers["location"]).text
    thread = start_thread(ana, "lupus")
    reply(bo, thread, "Hello there.")
    assert not notes_of(bo, "ana_off", "reply")
    # Moderation outcomes cannot be turned off; nonsense is refused with the form kept.
    refused = ana.post("/notifications/settings", {**form, "moderation": "off"})
    assert refused.status_code == 400


def prefer_daily(visitor: Visitor) -> None:
    form = {"reply": "daily", "mention": "daily", "reaction": "site", "new_thread": "site",
            "message": "site", "moderation": "site"}
    assert visitor.post("/notifications/settings", form).status_code == 303


def test_a_daily_digest_is_sent_once_and_unsubscribes_signed_out(
        new_visitor: Callable[[], Visitor], settings: Any) -> None:
    seed(new_visitor())
    ana = person(new_visitor, "ana_dig", joins=("lupus",))
    bo = person(new_visitor, "bo_dig", joins=("lupus",))
    prefer_daily(ana)
    thread = start_thread(ana, "lupus", title="Methotrexate and sunlight")
    reply(bo, thread, "Same for me @ana_dig so glad")
    tomorrow = utcnow() + timedelta(days=1)
    assert ana.run(lambda runtime: send_due(runtime, tomorrow)) == 1
    assert ana.run(lambda runtime: send_due(runtime, tomorrow)) == 0
    messages = outbox_messages(settings.var_dir)
    mine = [m for m in messages if m["To"] == "ana_dig@example.org"]
    assert len(mine) == 1
    mail = mine[0]
    assert mail["Subject"] == "Your Kindred digest"
    assert "Methotrexate" not in mail["Subject"] and "lupus" not in mail["Subject"].lower()
    body = mail.get_payload(decode=True).decode()
    assert "mentioned you" in body
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"<https?://[^/]+(/unsubscribe/\d+/[^>]+)>", mail["List-Unsubscribe"])
    assert link and link.group(1) in body

    stranger = new_visitor()  # signed out, no cookies: the link alone is enough
    assert stranger.get(link.group(1)).status_code == 200
    assert ana.get("/notifications/settings").text.count('value="daily" selected') == 2
    done = stranger.post(link.group(1), csrf=False)
    assert done.status_code == 200 and "will not e-mail you" in done.text
    assert 'value="daily" selected' not in ana.get("/notifications/settings").text
    forged = link.group(1)[:-3] + "abc"
    assert stranger.post(forged, csrf=False).status_code == 404
    # A new period with new activity sends nothing now.
    reply(bo, thread, "Another reply.")
    assert ana.run(lambda runtime: send_due(runtime, tomorrow + timedelta(days=1))) == 0


class StallingMailer:
    """Sends the first e-mail, then hangs on the second until the pass is killed."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.calls = inner, 0
        self.stalled = asyncio.Event()

    async def send(self, *args: Any, **kwargs: Any) -> None:
        self.calls += 1
        if self.calls == 2:
            self.stalled.set()
            await asyncio.Event().wait()
        await self.inner.send(*args, **kwargs)


def test_a_digest_run_killed_half_way_never_sends_twice(
        new_visitor: Callable[[], Visitor], settings: Any) -> None:
    seed(new_visitor())
    author = person(new_visitor, "author_kill", joins=("lupus",))
    readers = [person(new_visitor, f"reader_kill{n}", joins=("lupus",)) for n in range(3)]
    thread = start_thread(author, "lupus", title="Pacing")
    for reader in readers:
        prefer_daily(reader)
        reply(reader, thread, "Following along.")
    reply(author, thread, "Thank you all.")
    tomorrow = utcnow() + timedelta(days=1)

    async def killed_run(runtime: Any) -> None:
        real = runtime.mailer
        runtime.mailer = StallingMailer(real)
        task = asyncio.create_task(send_due(runtime, tomorrow))
        await runtime.mailer.stalled.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        runtime.mailer = real

    author.run(killed_run)
    assert len(outbox_messages(settings.var_dir)) == 1
    author.run(lambda runtime: send_due(runtime, tomorrow))
    author.run(lambda runtime: send_due(runtime, tomorrow))
    recipients = sorted(m["To"] for m in outbox_messages(settings.var_dir))
    assert recipients == sorted(f"reader_kill{n}@example.org" for n in range(3))
    assert scalar(author, select(func.count()).select_from(DigestClaim).where(
        DigestClaim.sent_at.is_not(None))) == 3
