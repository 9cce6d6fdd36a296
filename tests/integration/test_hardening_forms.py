"""Issue 17: a form sent again with its one-time token is carried out once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from community.app import seed_reference_data
from community.communities.models import Post, Thread
from community.messages.models import Message
from tests.forms import form_posting_to
from tests.helpers import Visitor


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Any:
    # New members' posts are published at once: these tests reply to their own thread.
    return make_settings(premoderate_first_posts=0)


def seed(visitor: Visitor) -> None:
    async def work(runtime: Any) -> None:
        async with runtime.sessionmaker() as db, db.begin():
            await seed_reference_data(db)

    visitor.run(work)


def count(visitor: Visitor, model: Any) -> int:
    async def work(runtime: Any) -> int:
        async with runtime.sessionmaker() as db:
            return int(await db.scalar(select(func.count()).select_from(model)) or 0)

    return visitor.run(work)


def submit_three_times(visitor: Visitor, page: str, action: str,
                       **typed: str) -> list[Any]:
    """Fill the form of `page` posting to `action` once, send it three times (a double
    click and a retry: the same one-time token each time)."""
    html = visitor.get(page).text
    data = form_posting_to(html, action).values(**typed)
    visitor._use_jar()
    return [visitor.client.post(action, data=data, follow_redirects=False) for _ in range(3)]


def test_repeated_submissions_create_one_thing_and_answer_like_the_first(
    visitor: Visitor, new_visitor: Callable[[], Visitor],
) -> None:
    seed(visitor)
    visitor.signup_and_login("double_clicker")
    assert visitor.post("/communities/lupus/join").status_code == 303

    answers = submit_three_times(visitor, "/communities/lupus/threads/new",
                                 "/communities/lupus/threads",
                                 title="Sunscreen that does not sting",
                                 body="Which ones work for you?")
    assert [a.status_code for a in answers] == [303] * 3, [a.text[:300] for a in answers]
    assert len({a.headers["location"] for a in answers}) == 1, "the first result each time"
    assert count(visitor, Thread) == 1
    thread_path = answers[0].headers["location"]
    thread_id = int(re.findall(r"\d+", thread_path)[0])

    posts_before = count(visitor, Post)
    answers = submit_three_times(visitor, thread_path, f"/threads/{thread_id}/replies",
                                 body="A mineral one, factor 50.")
    assert all(a.status_code == 303 for a in answers)
    assert count(visitor, Post) == posts_before + 1

    friend = new_visitor()
    friend.signup_and_login("double_friend")
    answers = submit_three_times(visitor, "/messages/double_friend",
                                 "/messages/double_friend", body="Thanks for the tip!")
    assert all(a.status_code == 303 for a in answers)
    assert count(visitor, Message) == 1

    # A new page draws a new token: sending the same text again is a new message.
    again = submit_three_times(visitor, "/messages/double_friend",
                               "/messages/double_friend", body="Thanks for the tip!")
    assert all(a.status_code == 303 for a in again)
    assert count(visitor, Message) == 2


def test_a_failed_submission_can_be_sent_again(visitor: Visitor) -> None:
    seed(visitor)
    visitor.signup_and_login("retry_after_error")
    assert visitor.post("/communities/lupus/join").status_code == 303
    html = visitor.get("/communities/lupus/threads/new").text
    form = form_posting_to(html, "/communities/lupus/threads")
    visitor._use_jar()
    failed = visitor.client.post("/communities/lupus/threads",
                                 data=form.values(title="", body="No title yet"))
    assert failed.status_code == 400
    fixed = visitor.client.post("/communities/lupus/threads",
                                data=form.values(title="Now with a title", body="No title yet"),
                                follow_redirects=False)
    assert fixed.status_code == 303
    assert count(visitor, Thread) == 1


def test_symptoms_and_evaluations_are_not_doubled(visitor: Visitor) -> None:
    from outcomes.tracking.models import SymptomEntry
    from outcomes.treatments.models import Evaluation

    seed(visitor)
    visitor.signup_and_login("double_recorder")
    symptoms = next(f for f in form_posting_to(visitor.get("/my/symptoms").text, "/my/symptoms")
                    .fields if f.name == "symptom_id")
    answers = submit_three_times(visitor, "/my/symptoms", "/my/symptoms", severity="2",
                                 symptom_id=next(o for o in symptoms.options if o))
    assert [a.status_code for a in answers] == [303] * 3, answers[0].text[:800]
    assert count(visitor, SymptomEntry) == 1

    course = visitor.post("/my/treatments/new", {
        "treatment": "Methotrexate", "purpose": "Rheumatoid arthritis",
        "started_on": "2026-01-10", "amount": "15", "unit": "mg", "frequency": "weekly"})
    assert course.status_code == 303, course.text[:500]
    course_id = int(re.findall(r"\d+", course.headers["location"])[0])
    page = f"/my/treatments/{course_id}/evaluations/new"
    answers = submit_three_times(visitor, page, page, tip="Take it with food.")
    assert [a.status_code for a in answers] == [303] * 3, answers[0].text[:800]
    assert count(visitor, Evaluation) == 1


def test_nul_and_invalid_utf8_are_refused_with_the_text_given_back(visitor: Visitor) -> None:
    from outcomes.tracking.models import CheckIn

    visitor.signup_and_login("odd_bytes")
    refused = visitor.post("/my/check-in", {"level": "3", "note": "slept\x00 badly"})
    assert refused.status_code == 400
    assert "cannot be stored" in refused.text
    assert "slept badly" in refused.text, "what was typed comes back, without the NUL"
    visitor._use_jar()
    body = (f"_csrf_token={visitor.csrf()}&level=3&note=caf%E9+au+lait").encode()
    garbled = visitor.client.post("/my/check-in", content=body, follow_redirects=False,
                                  headers={"content-type": "application/x-www-form-urlencoded"})
    assert garbled.status_code == 400
    assert "not UTF-8" in garbled.text and "au lait" in garbled.text
    assert count(visitor, CheckIn) == 0
    # The same note, well formed, is kept.
    assert visitor.post("/my/check-in", {"level": "3", "note": "café au lait"}
                        ).status_code == 303
    assert count(visitor, CheckIn) == 1


def test_nul_in_a_query_string_is_not_a_server_error(visitor: Visitor) -> None:
    visitor.signup_and_login("odd_query")
    for url in ("/search?q=a%00b", "/admin/users?q=%00", "/catalog/autocomplete?q=%00",
                "/login?next=/%00"):
        assert visitor.get(url).status_code < 500, url


def test_a_body_over_the_limit_says_what_happened(visitor: Visitor) -> None:
    visitor.signup_and_login("too_much")
    response = visitor.post("/my/check-in", {"level": "3", "note": "a" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert "larger than 1 MiB" in response.text and "nothing was saved" in response.text
    assert 'name="_csrf_token" value=""' not in response.text, "its forms still work"


def test_a_receipt_older_than_a_day_no_longer_counts_and_the_job_prunes_it(
    visitor: Visitor,
) -> None:
    """The claim itself takes over an expired receipt (it no longer deletes old ones first);
    the background job removes the expired receipts and keeps the fresh."""
    from sqlalchemy import update

    from community.accounts.models import FormReceipt, User
    from community.accounts.receipts import KEEP_FOR, RECEIPT_PRUNE_JOB, claim
    from community.app import background_jobs
    from community.db import utcnow

    visitor.signup_and_login("old_receipts")

    async def age(db: Any, key: str) -> None:
        await db.execute(update(FormReceipt).where(FormReceipt.token_hash == key).values(
            created_at=utcnow() - KEEP_FOR - KEEP_FOR / 24, location="/where/it/went"))

    async def work(runtime: Any) -> tuple[Any, ...]:
        async with runtime.sessionmaker() as db, db.begin():
            user_id = await db.scalar(select(User.id).where(User.username == "old_receipts"))
            first = await claim(db, user_id, "a" * 64)
            await db.execute(update(FormReceipt).where(FormReceipt.token_hash == "a" * 64)
                             .values(location="/threads/1"))
            repeat = await claim(db, user_id, "a" * 64)
            await age(db, "a" * 64)
            after_a_day = await claim(db, user_id, "a" * 64)
            await claim(db, user_id, "b" * 64)
            await age(db, "b" * 64)
            await claim(db, user_id, "c" * 64)
        pruned = await RECEIPT_PRUNE_JOB(runtime)
        async with runtime.sessionmaker() as db:
            kept = set(await db.scalars(select(FormReceipt.token_hash).where(
                FormReceipt.user_id == user_id)))
        names = {job.name for job in background_jobs(runtime)}
        return first, repeat, after_a_day, pruned, kept, names

    first, repeat, after_a_day, pruned, kept, names = visitor.run(work)
    assert first == (True, None)
    assert repeat == (False, "/threads/1")
    assert after_a_day == (True, None), "an expired receipt is a new submission"
    assert pruned == 1
    assert kept == {"a" * 64, "c" * 64}
    assert RECEIPT_PRUNE_JOB.name in names
