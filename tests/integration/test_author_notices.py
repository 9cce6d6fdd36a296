"""With the real screening pipeline: what the author sees at once, and what others do not."""

from __future__ import annotations

import pytest

from tests.communities_support import person, seed, start_thread


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
    # No country in the profile and an English interface: the international list.
    assert "findahelpline.com" in page.text and "112" in page.text


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


def test_held_reply_then_clean_edit_publishes_and_resolves_the_review(new_visitor) -> None:
    from sqlalchemy import select

    from moderation.queue.models import ReviewItem
    from tests.communities_support import opening_post, scalar

    seed(new_visitor())
    starter = person(new_visitor, "thread_starter", joins=("migraine",))
    writer = person(new_visitor, "reply_writer", joins=("migraine",))
    thread_id = start_thread(starter, "migraine", "Meeting up", "Anyone near Leeds?")
    response = writer.post(f"/threads/{thread_id}/replies",
                           {"body": "Happy to meet, call me on +44 7700 900123"}, htmx=True)
    assert response.status_code == 200, response.text[:2000]
    assert "waiting for a moderator" in response.text and "<mark" in response.text
    post_id = scalar(writer, select(ReviewItem.target_id).where(ReviewItem.reason == "identifying"))
    assert post_id and post_id != opening_post(starter, thread_id)
    edited = writer.post(f"/posts/{post_id}/edit", {"body": "Happy to meet at the clinic cafe"})
    assert edited.status_code == 303
    assert "clinic cafe" in starter.get(f"/threads/{thread_id}").text
    status = scalar(writer, select(ReviewItem.status).where(ReviewItem.target_id == post_id))
    assert status == "approved"


def test_thread_opening_post_spans_mark_the_body(new_visitor) -> None:
    seed(new_visitor())
    writer = person(new_visitor, "span_writer", joins=("migraine",))
    thread_id = start_thread(writer, "migraine", "Meeting up",
                             "Text me on +44 7700 900123 and we can meet up")
    page = writer.get(f"/threads/{thread_id}").text
    assert "<mark" in page
    marked = page[page.index("<mark"):]
    marked = marked[marked.index(">") + 1:marked.index("</mark>")]
    assert marked == "+44 7700 900123"


def test_a_clean_edit_never_closes_a_crisis_item(new_visitor) -> None:
    from sqlalchemy import select

    from moderation.queue.models import ReviewItem
    from tests.communities_support import scalar

    seed(new_visitor())
    starter = person(new_visitor, "calm_starter", joins=("migraine",))
    writer = person(new_visitor, "night_replier", joins=("migraine",))
    thread_id = start_thread(starter, "migraine", "Weather",
                             "Does the weather change affect anyone else?")
    response = writer.post(f"/threads/{thread_id}/replies",
                           {"body": "I want to die tonight. Call me on +44 7700 900123"})
    assert response.status_code == 303, response.text[:300]
    assert "7700 900123" not in starter.get(f"/threads/{thread_id}").text, (
        "crisis support shows help, but the telephone number stays held")
    post_id = scalar(writer, select(ReviewItem.target_id).where(ReviewItem.reason == "urgent"))
    assert post_id
    assert writer.post(f"/posts/{post_id}/edit", {"body": "Sorry, rough night."}).status_code == 303
    reasons = dict(writer.run(lambda runtime: _statuses(runtime, post_id)))
    assert reasons["urgent"] == "pending", "a person must still see the crisis"
    assert reasons.get("identifying") == "approved"


async def _statuses(runtime, post_id):  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from moderation.queue.models import ReviewItem

    async with runtime.sessionmaker() as db:
        rows = await db.execute(select(ReviewItem.reason, ReviewItem.status)
                                .where(ReviewItem.target_id == post_id))
        return list(rows)
