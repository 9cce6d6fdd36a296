"""With the real screening pipeline: what the author sees at once, and what others do not."""

from __future__ import annotations

import pytest

from tests.integration.test_communities_support import person, seed, start_thread


@pytest.fixture
def settings(make_settings):  # type: ignore[no-untyped-def]
    return make_settings(premoderate_first_posts=0)


def test_advice_request_moves_off_platform_with_a_referral(new_visitor) -> None:
    seed(new_visitor())
    asker = person(new_visitor, "worried_asker", joins=("type-2-diabetes",))
    other = person(new_visitor, "other_member", joins=("type-2-diabetes",))
    thread_id = start_thread(
        asker, "type-2-diabetes", "My dose",
        "My A1c is 9.1 on 1000mg metformin twice a day. Should I double my dose?",
        kind="ask_a_clinician")
    mine = asker.get(f"/threads/{thread_id}")
    assert mine.status_code == 200
    assert "moved off the public page" in mine.text
    assert "Contact your own clinician" in mine.text
    assert "double my dose" in mine.text, "kept intact for its author"
    theirs = other.get(f"/threads/{thread_id}")
    assert "double my dose" not in theirs.text


def test_crisis_post_shows_help_at_once(new_visitor) -> None:
    seed(new_visitor())
    writer = person(new_visitor, "night_writer", joins=("major-depressive-disorder",))
    thread_id = start_thread(writer, "major-depressive-disorder", "tonight",
                             "I want to die. I am going to kill myself tonight.")
    page = writer.get(f"/threads/{thread_id}")
    assert "988" in page.text and "911" in page.text


def test_telephone_number_is_held_and_highlighted_then_edited(new_visitor) -> None:
    seed(new_visitor())
    writer = person(new_visitor, "phone_writer", joins=("migraine",))
    other = person(new_visitor, "phone_reader", joins=("migraine",))
    thread_id = start_thread(writer, "migraine", "Support group",
                             "Text me on +44 7700 900123 and we can meet up")
    page = writer.get(f"/threads/{thread_id}")
    assert "waiting for a moderator" in page.text
    assert "<mark" in page.text and "7700 900123" in page.text
    assert other.get(f"/threads/{thread_id}").status_code == 404
