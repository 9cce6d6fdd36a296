"""Crisis in two tiers (issue 13). *Likely* is the full crisis flow (test_crisis_workflow.py);
*possible* publishes the text as usual, shows its author a gentle help panel, and puts a
crisis-check item in the queue below every likely crisis item. And a plain profile text is
judged as a profile by the real pipeline: saved twice, it never reaches crisis support."""

from __future__ import annotations

from collections.abc import Callable

from litestar.testing import TestClient
from sqlalchemy import select

from community.accounts.models import Role
from community.app import create_app
from community.messages.models import Message
from community.notifications.models import Notification
from community.settings import Settings
from moderation.queue.models import ReviewItem
from tests.communities_support import db_run, person, scalar, seed, start_thread
from tests.helpers import Visitor
from tests.profiles_support import profile_form
from tests.queue_support import app, settings

__all__ = ["app", "settings"]

SLUG = "major-depressive-disorder"
GENTLE = "If things are hard right now"
FULL = "You are not alone"


def _items(visitor: Visitor) -> list[tuple[str, str, int]]:
    """(reason, target type, target id) of every pending item, in queue order."""
    from moderation.queue.services import queue_statement

    rows = db_run(visitor, lambda db: db.scalars(queue_statement()))
    return [(item.reason, item.target_type, item.target_id) for item in rows]


def test_a_possible_crisis_is_published_with_gentle_help_and_a_check_below_likely_ones(
    new_visitor: Callable[[], Visitor]
) -> None:
    seed(new_visitor())
    moderator = person(new_visitor, "check_mod", role=Role.MODERATOR)
    writer = person(new_visitor, "maybe_writer", joins=(SLUG,))
    reader = person(new_visitor, "peer_reader", joins=(SLUG,))
    held = start_thread(writer, SLUG, "Names", "HOLDME 555 0100")
    possible = start_thread(writer, SLUG, "Rough week", "MAYBECRISIS rough week, so tired")
    likely = start_thread(reader, SLUG, "Tonight", "CRISISME I am going to end it tonight")

    # The possible post is published: others read it, without any notice or help panel.
    theirs = reader.get(f"/threads/{possible}")
    assert theirs.status_code == 200 and "rough week, so tired" in theirs.text
    assert GENTLE not in theirs.text and "Content notice" not in theirs.text
    # Its author sees the gentle panel with the same help resources, not the crisis alarm.
    mine = writer.get(f"/threads/{possible}").text
    assert GENTLE in mine and "Find a helpline in another country" in mine
    assert FULL not in mine and "only you and the moderators" not in mine
    assert "published as usual" in mine
    # The likely one follows the full flow: hidden from others, full help for its author.
    assert writer.get(f"/threads/{likely}").status_code == 404
    assert FULL in reader.get(f"/threads/{likely}").text

    # Queue order: every likely crisis, then the crisis check, then the rest.
    order = [reason for reason, _type, _id in _items(moderator)]
    assert order == ["urgent", "crisis_check", "identifying"], order
    check = int(scalar(moderator, select(ReviewItem.id).where(
        ReviewItem.reason == "crisis_check")))
    queue = moderator.get("/moderation").text
    assert "possible crisis" in queue
    # Only a likely crisis alerts every moderator at once.
    assert scalar(moderator, select(Notification.id).where(
        Notification.link == f"/moderation/items/{check}")) is None
    # The moderator can reach the person from the check item, as from a crisis item.
    page = moderator.get(f"/moderation/items/{check}").text
    assert 'id="crisis-actions"' in page
    sent = moderator.post(f"/moderation/items/{check}/crisis",
                          {"action": "check_in", "message": "How are you doing this week?"})
    assert sent.status_code == 303
    assert "How are you doing this week?" in writer.get("/messages/check_mod").text
    # Approving the check leaves the post published; an edit never closes it.
    version = scalar(moderator, select(ReviewItem.version).where(ReviewItem.id == check))
    assert moderator.post(f"/moderation/items/{check}/decide",
                          {"action": "approve", "version": str(version)}).status_code == 303
    assert "rough week, so tired" in reader.get(f"/threads/{possible}").text
    assert held

    # A message: delivered, the sender sees the gentle panel, a check opens.
    answer = writer.post("/messages/peer_reader", {"body": "MAYBECRISIS cannot sleep again"})
    assert answer.status_code == 200 and GENTLE in answer.text and FULL not in answer.text
    message_id = scalar(writer, select(Message.id).where(
        Message.body == "MAYBECRISIS cannot sleep again"))
    assert "cannot sleep again" in reader.get("/messages/maybe_writer").text
    assert ("crisis_check", "message", message_id) in _items(moderator)

    # A profile: saved and published, the gentle panel, one check however often it is saved
    # (an unchanged "about" is not screened again).
    saved = writer.post("/account/profile", profile_form(about="MAYBECRISIS just tired"))
    assert saved.headers["location"] == "/account/profile"
    shown = writer.get(saved.headers["location"]).text
    assert GENTLE in shown and "Your profile was saved." in shown and FULL not in shown
    assert GENTLE not in writer.get("/account/profile").text, "shown once"
    assert writer.post("/account/profile",
                       profile_form(about="MAYBECRISIS just tired")).status_code == 303
    checks = [row for row in _items(moderator) if row[1] == "profile"]
    assert [reason for reason, _type, _id in checks] == ["crisis_check"]


def test_a_plain_profile_never_goes_to_crisis_support(settings: Settings) -> None:
    # The real screening pipeline (rules and the shipped model), not the keyword stand-in.
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        writer = Visitor(client)
        writer.signup_and_login("crossword_fan")
        about = "Living with depression since 2023. I like walking and crosswords."
        for _ in range(2):
            saved = writer.post("/account/profile", profile_form(about=about))
            assert saved.status_code == 303, saved.text
            assert "crisis" not in saved.headers["location"]
            assert "check" not in saved.headers["location"]
            page = writer.get("/account/profile").text
            assert FULL not in page and GENTLE not in page and about in page
        reasons = db_run(writer, lambda db: db.scalars(select(ReviewItem.reason)))
        assert list(reasons) == []
        assert writer.get("/people/crossword_fan").status_code == 200
