"""Texts held by screening outside threads (messages, profile "about" texts, evaluation tips)
reach the queue, and a moderator's decision there is what releases them: approval shows the
text to the people it was meant for, rejection leaves it with its author alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar import Litestar
from sqlalchemy import select

from community.accounts.models import Role
from community.messages.models import Message, MessageStatus
from community.notifications.models import Notification
from community.profiles.models import AboutStatus, Profile
from community.settings import Settings
from moderation.queue.models import ReviewItem
from outcomes.treatments.models import Evaluation
from tests.helpers import Visitor, queue_wired_app
from tests.integration.test_messages import member, send
from tests.integration.test_moderation_queue import decide
from tests.integration.test_treatments import (
    add_course,
    assert_summaries_match_rebuild,
    evaluate,
    load_vocabularies,
    query,
)
from tests.profiles_support import profile_form


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(premoderate_first_posts=0)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return queue_wired_app(settings)


def _item(visitor: Visitor, target_type: str) -> int:
    rows = query(visitor, select(ReviewItem.id).where(ReviewItem.target_type == target_type))
    assert len(rows) == 1, rows
    return int(rows[0][0])


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_held_message_is_delivered_only_when_approved(
    new_visitor: Callable[[], Visitor], action: str
) -> None:
    ada, bea = member(new_visitor, "ada_a"), member(new_visitor, "bea_b")
    moderator = member(new_visitor, "mod_mo", roles=(Role.MODERATOR,))
    body = "my number is HOLDME 555-0100"
    assert send(ada, "bea_b", body).status_code == 200
    assert body not in bea.get("/messages/ada_a").text
    item = _item(ada, "message")
    assert body in moderator.get(f"/moderation/items/{item}").text

    assert decide(moderator, item, action).status_code == 303
    delivered = action == "approve"
    assert query(ada, select(Message.status)) == [
        (MessageStatus.DELIVERED if delivered else MessageStatus.HELD,)]
    assert (body in bea.get("/messages/ada_a").text) is delivered
    assert (body in bea.get("/messages").text) is delivered
    notified = query(bea, select(Notification.kind).where(Notification.kind == "message"))
    assert len(notified) == (1 if delivered else 0)
    assert body in ada.get("/messages/bea_b").text, "the sender keeps their words either way"


def test_an_approved_message_is_not_delivered_across_a_block_made_since(
    new_visitor: Callable[[], Visitor],
) -> None:
    ada, bea = member(new_visitor, "ada_a"), member(new_visitor, "bea_b")
    moderator = member(new_visitor, "mod_mo", roles=(Role.MODERATOR,))
    send(ada, "bea_b", "HOLDME call me")
    assert bea.post("/people/ada_a/block").status_code == 303
    assert decide(moderator, _item(ada, "message"), "approve").status_code == 303
    assert query(ada, select(Message.status)) == [(MessageStatus.HELD,)]
    assert "HOLDME call me" not in bea.get("/messages").text


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_held_about_text_is_public_only_when_approved(
    new_visitor: Callable[[], Visitor], action: str
) -> None:
    owner = member(new_visitor, "screened_sam")
    moderator = member(new_visitor, "mod_mo", roles=(Role.MODERATOR,))
    about = "Call me on HOLDME 555"
    saved = owner.post("/account/profile", profile_form(about=about, about_visibility="public"))
    assert saved.status_code == 303
    assert about not in new_visitor().get("/people/screened_sam").text

    assert decide(moderator, _item(owner, "profile"), action).status_code == 303
    approved = action == "approve"
    assert query(owner, select(Profile.about_status)) == [
        (AboutStatus.PUBLISHED if approved else AboutStatus.HELD,)]
    for viewer in (member(new_visitor, "curious_cat"), new_visitor()):
        assert (about in viewer.get("/people/screened_sam").text) is approved
    assert ("waiting for a moderator" in owner.get("/account/profile").text) is not approved


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_held_tip_is_shown_with_the_report_only_when_approved(
    visitor: Visitor, new_visitor: Callable[[], Visitor], action: str
) -> None:
    load_vocabularies(visitor)
    owner = member(new_visitor, "gentle_maple")
    reader = member(new_visitor, "wise_robin")
    moderator = member(new_visitor, "mod_mo", roles=(Role.MODERATOR,))
    course_id = add_course(owner)
    tip = "Works well, HOLDME ring me"
    assert evaluate(owner, course_id, tip=tip, visibility="members").status_code == 303
    # The reader's report is rendered (and its shared cards cached) before the decision.
    assert tip not in reader.get("/treatments/methotrexate").text

    assert decide(moderator, _item(owner, "evaluation_tip"), action).status_code == 303
    approved = action == "approve"
    assert query(owner, select(Evaluation.tip_status)) == [
        ("published" if approved else "held",)]
    assert (tip in reader.get("/treatments/methotrexate").text) is approved
    assert tip in owner.get("/treatments/methotrexate").text
    assert_summaries_match_rebuild(owner)
